import { AmstaffError } from "@amstaff/core";
import { createRoute, z } from "@hono/zod-openapi";
import { nameSchema, requireRole, requireTeam } from "../../access/access.js";
import { readJson } from "../body.js";
import { bodyReadByHandler, errors, json, segment } from "../contract.js";
import type { ApiApp, HttpApiDeps } from "../deps.js";
import { moduleOr404 } from "../lookups.js";
import { moduleSummary } from "../views.js";
import { actorOf, refusal } from "../writes.js";

const name = z.object({ name: segment("The module's name") });
const monitorNames = z.array(z.string());
const definition = z.record(z.string(), z.unknown()).openapi({ description: "What the module evaluated to" });

const storedModule = z
  .object({
    name: z.string(),
    source: z.string(),
    definition,
    version: z.number().int(),
    revision: z.number().int(),
    hash: z.string(),
    pushedBy: z.string(),
    team: z.string(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .openapi("Module");

const revision = z.object({
  revision: z.number().int(),
  version: z.number().int(),
  hash: z.string(),
  pushedBy: z.string(),
  pushedByTeam: z.string().optional(),
  rollbackOf: z.number().int().optional(),
  at: z.number(),
  monitors: monitorNames,
});

const list = createRoute({
  method: "get",
  path: "/modules",
  tags: ["modules"],
  summary: "Every module, without its source",
  responses: {
    200: json(
      z.array(
        z.object({
          name: z.string(),
          version: z.number().int(),
          revision: z.number().int(),
          hash: z.string(),
          team: z.string(),
          pushedBy: z.string(),
          monitors: monitorNames,
          createdAt: z.number(),
          updatedAt: z.number(),
        }),
      ),
      "The modules",
    ),
    ...errors(401),
  },
});

const get = createRoute({
  method: "get",
  path: "/modules/{name}",
  tags: ["modules"],
  summary: "A module's current revision: the file as pushed and what it evaluated to",
  request: { params: name },
  responses: { 200: json(storedModule, "The module"), ...errors(401, 404) },
});

const history = createRoute({
  method: "get",
  path: "/modules/{name}/history",
  tags: ["modules"],
  summary: "A module's revisions, newest first",
  request: { params: name },
  responses: {
    200: json(
      z.object({ module: z.string(), current: z.number().int().nullable(), revisions: z.array(revision) }),
      "The revisions",
    ),
    ...errors(401, 404),
  },
});

const oneRevision = createRoute({
  method: "get",
  path: "/modules/{name}/history/{revision}",
  tags: ["modules"],
  summary: "One revision, with its source",
  request: { params: name.extend({ revision: segment("The revision number") }) },
  responses: { 200: json(revision.extend({ source: z.string() }), "The revision"), ...errors(401, 404) },
});

const teamBody = z.strictObject({ team: nameSchema });
const moveTeam = createRoute({
  method: "put",
  path: "/modules/{name}/team",
  tags: ["modules"],
  summary: "Give a module (and its history) to another team (admin tokens)",
  request: { params: name, body: { content: { "application/json": { schema: teamBody } }, required: true } },
  responses: {
    200: json(
      z.object({ module: z.string(), team: z.string(), from: z.string().optional(), changed: z.boolean() }),
      "Moved, or already that team's",
    ),
    ...errors(400, 401, 403, 404, 503),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/modules/{name}",
  tags: ["modules"],
  summary: "Stop and remove a module",
  request: { params: name },
  responses: { 200: json(z.object({ deleted: z.string() }), "Deleted"), ...errors(401, 403, 404, 503) },
});

/** The modules: list, read, history, move to another team, delete (pushes are `push.ts`'s). */
export function moduleRoutes(app: ApiApp, deps: HttpApiDeps): void {
  const { machine, log, clock } = deps;

  app.openapi(list, (c) => c.json(machine.modules().map(moduleSummary), 200));
  app.openapi(get, (c) => c.json(moduleOr404(machine, c.req.valid("param").name), 200));

  app.openapi(history, (c) => {
    const { name } = c.req.valid("param");
    const revisions = machine.history(name);
    if (revisions.length === 0)
      throw new AmstaffError("AMS_ERR_MODULE_NOT_FOUND", `Module "${name}" has no history.`);
    const current = machine.module(name)?.revision ?? null;
    return c.json(
      { module: name, current, revisions: revisions.map(({ source: _s, ...r }) => r).reverse() },
      200,
    );
  });

  app.openapi(oneRevision, (c) => {
    const { name, revision } = c.req.valid("param");
    const found = /^\d+$/.test(revision)
      ? machine.history(name).find((r) => r.revision === Number(revision))
      : undefined;
    if (!found)
      throw new AmstaffError("AMS_ERR_MODULE_NOT_FOUND", `Module "${name}" has no revision ${revision}.`);
    return c.json(found, 200);
  });

  app.openapi(bodyReadByHandler(app, moveTeam), async (c) => {
    const caller = c.get("caller");
    const { name } = c.req.valid("param");
    requireRole(caller, "admin", "move a module to another team");
    if (!machine.isKnownModule(name))
      throw new AmstaffError(
        "AMS_ERR_MODULE_NOT_FOUND",
        `No module named "${name}". GET /modules lists them.`,
      );
    const body = await readJson(c, teamBody, { hint: 'Send {"team": "payments"}.' });
    const from = machine.teamOf(name);
    if (from === body.team) return c.json({ module: name, team: from, changed: false }, 200);
    const applied = await log.propose({
      type: "module.team",
      name,
      team: body.team,
      actor: actorOf(caller),
      at: clock.now(),
    });
    if (!applied.ok) throw new AmstaffError("AMS_ERR_REQUEST_INVALID", `Not moved: ${applied.reason}.`);
    return c.json({ module: name, team: body.team, from, changed: true }, 200);
  });

  app.openapi(remove, async (c) => {
    const caller = c.get("caller");
    const { name } = c.req.valid("param");
    requireRole(caller, "write", "delete modules");
    requireTeam(caller, "write", "delete", moduleOr404(machine, name));
    const applied = await log.propose({
      type: "module.delete",
      name,
      actor: actorOf(caller),
      at: clock.now(),
    });
    if (!applied.ok) {
      throw (
        refusal(applied, "Not deleted") ??
        new AmstaffError("AMS_ERR_MODULE_NOT_FOUND", `No module named "${name}".`)
      );
    }
    return c.json({ deleted: name }, 200);
  });
}
