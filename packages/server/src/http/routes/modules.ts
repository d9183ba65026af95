import { AmstaffError, formatIssues } from "@amstaff/core";
import { createRoute, z } from "@hono/zod-openapi";
import { nameSchema, requireRole, requireTeam } from "../../access/access.js";
import { readJson } from "../body.js";
import { bodyReadByHandler, errors, json, segment } from "../contract.js";
import type { ApiApp, HttpApiDeps } from "../deps.js";
import { moduleOr404 } from "../lookups.js";
import { applyModule, compileOr400 } from "../moduleWrites.js";
import { moduleSummary } from "../views.js";
import { actorOf, refusal } from "../writes.js";

const name = z.object({ name: segment("The module's name") });
const monitorNames = z.array(z.string());
const definition = z.record(z.string(), z.unknown()).openapi({ description: "What the module evaluated to" });

const pushResult = z
  .object({
    module: z.string(),
    team: z.string(),
    revision: z.number().int().nullable(),
    version: z.number().int().optional(),
    changed: z.boolean(),
    dryRun: z.boolean(),
    diff: z.object({
      added: monitorNames,
      changed: monitorNames,
      removed: monitorNames,
      unchanged: monitorNames,
    }),
    monitors: monitorNames.optional(),
  })
  .openapi("PushResult");

const compileError = z
  .looseObject({
    line: z.number().optional(),
    column: z.number().optional(),
    code: z.string(),
    message: z.string(),
  })
  .openapi("CompileError");

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

const pushQuery = z.object({
  team: z.string().optional().openapi({ description: "The team of a new module (admin tokens)" }),
  dryRun: z.string().optional().openapi({ description: "`true`: answer the diff, change nothing" }),
});

/** `POST /monitor` and `POST /modules`: the same push under its two names. */
const pushRoute = (path: "/monitor" | "/modules") =>
  createRoute({
    method: "post",
    path,
    tags: ["modules"],
    summary: "Push a module file: creates (201) or replaces (200) the module of that name",
    request: {
      query: pushQuery,
      body: {
        content: { "text/plain": { schema: z.string() } },
        description: "The module file",
        required: true,
      },
    },
    responses: {
      200: json(pushResult, "Replaced, unchanged, or a dry run"),
      201: json(pushResult, "Created"),
      400: {
        description: "The module file was refused: the compiler's errors",
        content: {
          "application/json": {
            schema: z.object({
              error: z.object({ code: z.string(), message: z.string() }),
              errors: z.array(compileError),
            }),
          },
        },
      },
      ...errors(401, 403, 413, 503),
    },
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

const rollbackBody = z.strictObject({ revision: z.number().int().min(1).optional() });
const rollback = createRoute({
  method: "post",
  path: "/modules/{name}/rollback",
  tags: ["modules"],
  summary: "Apply an earlier revision again (default: the one before the current)",
  request: {
    params: name,
    body: {
      content: { "application/json": { schema: rollbackBody } },
      description: "`{}` or nothing: the previous one",
    },
  },
  responses: {
    200: json(pushResult.extend({ rolledBackTo: z.number().int() }), "Rolled back"),
    ...errors(400, 401, 403, 404, 503),
  },
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

/** The modules: push, list, read, history, rollback, move to another team, delete. */
export function moduleRoutes(app: ApiApp, deps: HttpApiDeps): void {
  const { machine, log, clock } = deps;

  /**
   * A push: a write token of the module's team (or an admin). A new module becomes the pushing token's
   * team's, or the team an admin names with `?team=`.
   */
  for (const path of ["/monitor", "/modules"] as const) {
    app.openapi(pushRoute(path), async (c) => {
      const caller = c.get("caller");
      requireRole(caller, "write", "push modules");
      const asked = c.req.query("team");
      const team = asked === undefined ? undefined : nameSchema.safeParse(asked);
      if (team !== undefined && !team.success) {
        throw new AmstaffError(
          "AMS_ERR_REQUEST_INVALID",
          `?team= is not a team name: ${formatIssues(team.error.issues)}.`,
        );
      }
      if (team?.data !== undefined && team.data !== caller.team && caller.role !== "admin") {
        throw new AmstaffError(
          "AMS_ERR_AUTH_TEAM",
          `Token "${caller.name}" is of team "${caller.team}": only an admin token may push a module for team "${team.data}".`,
          { details: { token: caller.name, team: caller.team, asked: team.data } },
        );
      }
      const source = await c.req.text();
      if (source.trim() === "") {
        throw new AmstaffError(
          "AMS_ERR_REQUEST_INVALID",
          "The body is empty: send the module file, e.g. curl --data-binary @user-service.ts.",
        );
      }
      const dryRun = ["1", "true", ""].includes(c.req.query("dryRun") ?? "no");
      const intended = team?.data ?? caller.team;
      let compiled = await compileOr400(deps, source, intended);
      const owner = machine.isKnownModule(compiled.name) ? machine.teamOf(compiled.name) : undefined;
      if (owner !== undefined) {
        requireTeam(caller, "write", "push", { name: compiled.name, team: owner });
        if (team?.data !== undefined && team.data !== owner) {
          throw new AmstaffError(
            "AMS_ERR_REQUEST_INVALID",
            `Module "${compiled.name}" is team "${owner}"'s: ?team= only names the team of a new module. Move it with PUT /modules/${encodeURIComponent(compiled.name)}/team first.`,
          );
        }
        // An admin pushing another team's module: what the module may use is decided by its own team.
        if (owner !== intended) compiled = await compileOr400(deps, source, owner);
      }
      const { status, body } = await applyModule(
        deps,
        source,
        compiled,
        { caller, team: owner ?? intended },
        dryRun,
      );
      return status === 201 ? c.json(body, 201) : c.json(body, 200);
    });
  }

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

  app.openapi(bodyReadByHandler(app, rollback), async (c) => {
    const caller = c.get("caller");
    const { name } = c.req.valid("param");
    requireRole(caller, "write", "roll back modules");
    const body = await readJson(c, rollbackBody, { empty: {} });
    if (machine.isKnownModule(name))
      requireTeam(caller, "write", "roll back", { name, team: machine.teamOf(name) });
    const revisions = machine.history(name);
    const current = machine.module(name)?.revision;
    const target =
      body.revision === undefined
        ? revisions.filter((r) => r.revision !== current).at(-1)
        : revisions.find((r) => r.revision === body.revision);
    if (!target) {
      throw new AmstaffError(
        "AMS_ERR_MODULE_NOT_FOUND",
        revisions.length === 0
          ? `Module "${name}" has no history.`
          : `Module "${name}" has no revision ${body.revision ?? "before the current one"}; kept: ${revisions.map((r) => r.revision).join(", ")}.`,
      );
    }
    // The old source is compiled again: it must still be valid with the plugins installed today.
    const compiled = await compileOr400(deps, target.source, machine.teamOf(name));
    if (compiled.name !== name) {
      throw new AmstaffError(
        "AMS_ERR_MODULE_INVALID",
        `Revision ${target.revision} now evaluates to module "${compiled.name}", not "${name}".`,
      );
    }
    const push = { caller, team: machine.teamOf(name), rollbackOf: target.revision };
    const { body: result } = await applyModule(deps, target.source, compiled, push, false);
    return c.json({ ...result, rolledBackTo: target.revision }, 200);
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
