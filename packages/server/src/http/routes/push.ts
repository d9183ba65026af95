import { AmstaffError, formatIssues } from "@amstaff/core";
import { createRoute, z } from "@hono/zod-openapi";
import { nameSchema, requireRole, requireTeam } from "../../access/access.js";
import { readJson } from "../body.js";
import { bodyReadByHandler, errorBodySchema, errors, json, segment } from "../contract.js";
import type { ApiApp, HttpApiDeps } from "../deps.js";
import { applyModule, compileOr400 } from "../moduleWrites.js";

const monitorNames = z.array(z.string());

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
            schema: errorBodySchema.extend({ errors: z.array(compileError) }),
          },
        },
      },
      ...errors(401, 403, 413, 503),
    },
  });

const rollbackBody = z.strictObject({ revision: z.number().int().min(1).optional() });
const rollback = createRoute({
  method: "post",
  path: "/modules/{name}/rollback",
  tags: ["modules"],
  summary: "Apply an earlier revision again (default: the one before the current)",
  request: {
    params: z.object({ name: segment("The module's name") }),
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

/** Pushing a module file (`POST /monitor`, `POST /modules`) and rolling a module back to a revision. */
export function pushRoutes(app: ApiApp, deps: HttpApiDeps): void {
  const { machine } = deps;

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
}
