import { randomUUID } from "node:crypto";
import { AmstaffError, isDuration, parseDuration, silenceSchema } from "@amstaff/core";
import { createRoute, z } from "@hono/zod-openapi";
import { type Principal, requireRole, requireTeam } from "../../access/access.js";
import { readJson } from "../body.js";
import { bodyReadByHandler, errors, json, segment } from "../contract.js";
import type { ApiApp, HttpApiDeps } from "../deps.js";
import { actorOf, refusal } from "../writes.js";

/** The longest silence: a silence that outlives its reason is how alerts get lost for good. */
export const maxSilenceMs = 30 * 86_400_000;

const silenceBodySchema = z
  .strictObject({
    /** The module it covers; absent: every module. */
    module: z.string().trim().min(1).max(200).optional(),
    monitors: z.array(z.string().trim().min(1).max(200)).min(1).max(1_000).optional(),
    tags: z.array(z.string().trim().min(1).max(100)).min(1).max(50).optional(),
    /** How long from now (or from `from`): "2h", "30m". */
    for: z.string().refine(isDuration, 'a duration such as "30m" or "2h"').optional(),
    /** When it ends, ms since the epoch or an ISO 8601 date. */
    until: z.union([z.number().int(), z.iso.datetime({ offset: true })]).optional(),
    /** When it starts (a scheduled silence), ms since the epoch or an ISO 8601 date. @default now */
    from: z.union([z.number().int(), z.iso.datetime({ offset: true })]).optional(),
    reason: z.string().trim().max(1_000).default(""),
    by: z.string().trim().min(1).max(200).optional(),
  })
  .refine((b) => (b.for === undefined) !== (b.until === undefined), {
    message: 'give either "for" (a duration) or "until" (an end time)',
  })
  .refine((b) => b.monitors === undefined || b.module !== undefined, {
    message: '"monitors" names monitors of one module: give "module" too',
  });

const toMs = (value: number | string) => (typeof value === "number" ? value : Date.parse(value));

/**
 * Silencing needs an operate (or write) token of the module's team. A silence without a module reaches
 * every team's modules, those pushed later included: only an admin may set or end one.
 */
function requireSilenceRights(
  caller: Principal,
  what: string,
  module: { name: string; team: string } | undefined,
): void {
  if (module) {
    requireTeam(caller, "operate", what, module);
    return;
  }
  requireRole(caller, "operate", what);
  if (caller.role === "admin") return;
  throw new AmstaffError(
    "AMS_ERR_AUTH_TEAM",
    `A silence without a module reaches every team's modules: token "${caller.name}" (team "${caller.team}") may not ${what} one. Name one of your team's modules, or ask an admin.`,
    { details: { token: caller.name, team: caller.team } },
  );
}

const silenceView = silenceSchema;

const list = createRoute({
  method: "get",
  path: "/silences",
  tags: ["silences"],
  summary: "The active silences (every one kept with ?all=true)",
  request: {
    query: z.object({ all: z.string().optional().openapi({ description: "`true`: ended ones too" }) }),
  },
  responses: { 200: json(z.array(silenceView), "The silences"), ...errors(401) },
});

const add = createRoute({
  method: "post",
  path: "/silences",
  tags: ["silences"],
  summary: "Silence a module, some of its monitors, or tags, for a while",
  request: { body: { content: { "application/json": { schema: silenceBodySchema } }, required: true } },
  responses: { 201: json(silenceView, "Silenced"), ...errors(400, 401, 403, 503) },
});

const end = createRoute({
  method: "delete",
  path: "/silences/{id}",
  tags: ["silences"],
  summary: "End a silence",
  request: { params: z.object({ id: segment("The silence's id") }) },
  responses: { 200: json(silenceView, "Ended"), ...errors(401, 403, 404, 503) },
});

/** `GET /silences`, `POST /silences` and `DELETE /silences/:id` (operate tokens, on their team's modules). */
export function silenceRoutes(app: ApiApp, deps: HttpApiDeps): void {
  const { machine, log, clock } = deps;
  app.openapi(list, (c) => {
    const all = c.req.valid("query").all === "true";
    return c.json(machine.silences(all ? undefined : clock.now()), 200);
  });

  app.openapi(bodyReadByHandler(app, add), async (c) => {
    const caller = c.get("caller");
    requireRole(caller, "operate", "silence modules");
    const body = await readJson(c, silenceBodySchema, {
      what: "silence",
      hint: 'Example: {"module": "Payments", "for": "2h", "reason": "database migration"}.',
    });
    const { module, monitors, tags, reason } = body;
    // A misspelt name would silence nothing while its author believes it does: refuse it.
    if (module !== undefined) {
      const definition = machine.module(module)?.definition;
      if (definition) requireSilenceRights(caller, "silence", { name: module, team: machine.teamOf(module) });
      if (!definition) {
        const known = machine.modules().map((m) => `"${m.name}"`);
        throw new AmstaffError(
          "AMS_ERR_REQUEST_INVALID",
          `No module "${module}"${known.length > 0 ? ` (modules: ${known.join(", ")})` : ""}.`,
        );
      }
      const unknown = (monitors ?? []).filter((m) => !definition.monitors.some((d) => d.name === m));
      if (unknown.length > 0) {
        throw new AmstaffError(
          "AMS_ERR_REQUEST_INVALID",
          `No monitor ${unknown.map((m) => `"${m}"`).join(", ")} in module "${module}".`,
        );
      }
    } else {
      requireSilenceRights(caller, "set", undefined);
    }
    const now = clock.now();
    const from = body.from === undefined ? now : toMs(body.from);
    const until = body.for !== undefined ? from + parseDuration(body.for) : toMs(body.until!);
    if (until <= now || until <= from) {
      throw new AmstaffError("AMS_ERR_REQUEST_INVALID", "The silence ends before it starts, or in the past.");
    }
    if (until - from > maxSilenceMs) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        "A silence lasts at most 30 days; for a recurring quiet time, write a maintenance window in the module.",
      );
    }
    const silence = {
      id: randomUUID().slice(0, 8),
      ...(module !== undefined && { module }),
      scope: { ...(monitors && { monitors }), ...(tags && { tags }) },
      from,
      until,
      by: body.by ?? caller.name,
      reason,
    };
    const applied = await log.propose({ type: "silence.add", silence, actor: actorOf(caller), at: now });
    if (!applied.ok)
      throw (
        refusal(applied, "Not silenced") ??
        new AmstaffError("AMS_ERR_REQUEST_INVALID", `Not silenced: ${applied.reason}.`)
      );
    return c.json(applied.silence, 201);
  });

  app.openapi(end, async (c) => {
    const caller = c.get("caller");
    const { id } = c.req.valid("param");
    const silence = machine.silences().find((s) => s.id === id);
    if (silence) {
      requireSilenceRights(
        caller,
        "end",
        silence.module === undefined
          ? undefined
          : { name: silence.module, team: machine.teamOf(silence.module) },
      );
    } else {
      requireRole(caller, "operate", "end silences");
    }
    const applied = await log.propose({
      type: "silence.remove",
      id,
      actor: actorOf(caller),
      at: clock.now(),
    });
    if (!applied.ok) {
      throw (
        refusal(applied, "Not ended") ??
        new AmstaffError("AMS_ERR_SILENCE_NOT_FOUND", `No active silence "${id}".`)
      );
    }
    return c.json(applied.silence, 200);
  });
}
