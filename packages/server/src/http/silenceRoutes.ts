import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { AmstaffError, formatIssues, isDuration, parseDuration } from "@amstaff/core";
import { z } from "zod";
import { type Principal, requireRole, requireTeam } from "../access/access.js";
import type { Clock } from "../clock.js";
import type { ReplicatedLog } from "../state/replicatedLog.js";
import type { StateMachine } from "../state/stateMachine.js";
import { actorOf, type Route, refusal } from "./httpApi.js";

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

/** `GET /silences`, `POST /silences` and `DELETE /silences/:id` (operate tokens, on their team's modules). */
export function silenceRoutes(deps: {
  machine: StateMachine;
  log: ReplicatedLog;
  clock: Clock;
  readBody: (request: IncomingMessage) => Promise<string>;
}): [method: string, pattern: RegExp, route: Route][] {
  const { machine, log, clock, readBody } = deps;
  return [
    [
      "GET",
      /^\/silences$/,
      (_, __, url) => {
        const all = url.searchParams.get("all") === "true";
        return { status: 200, body: machine.silences(all ? undefined : clock.now()) };
      },
    ],
    [
      "POST",
      /^\/silences$/,
      async (request, _, __, caller) => {
        requireRole(caller, "operate", "silence modules");
        const text = await readBody(request);
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new AmstaffError("AMS_ERR_REQUEST_INVALID", "The body is not JSON.");
        }
        const body = silenceBodySchema.safeParse(json);
        if (!body.success) {
          throw new AmstaffError(
            "AMS_ERR_REQUEST_INVALID",
            `Invalid silence: ${formatIssues(body.error.issues)}. Example: {"module": "Payments", "for": "2h", "reason": "database migration"}.`,
          );
        }
        const { module, monitors, tags, reason } = body.data;
        // A misspelt name would silence nothing while its author believes it does: refuse it.
        if (module !== undefined) {
          const definition = machine.module(module)?.definition;
          if (definition)
            requireSilenceRights(caller, "silence", { name: module, team: machine.teamOf(module) });
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
        const from = body.data.from === undefined ? now : toMs(body.data.from);
        const until =
          body.data.for !== undefined ? from + parseDuration(body.data.for) : toMs(body.data.until!);
        if (until <= now || until <= from) {
          throw new AmstaffError(
            "AMS_ERR_REQUEST_INVALID",
            "The silence ends before it starts, or in the past.",
          );
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
          by: body.data.by ?? caller.name,
          reason,
        };
        const applied = await log.propose({ type: "silence.add", silence, actor: actorOf(caller), at: now });
        if (!applied.ok)
          throw (
            refusal(applied, "Not silenced") ??
            new AmstaffError("AMS_ERR_REQUEST_INVALID", `Not silenced: ${applied.reason}.`)
          );
        return { status: 201, body: applied.silence };
      },
    ],
    [
      "DELETE",
      /^\/silences\/([^/]+)$/,
      async (_, [id], __, caller) => {
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
          id: id!,
          actor: actorOf(caller),
          at: clock.now(),
        });
        if (!applied.ok) {
          throw (
            refusal(applied, "Not ended") ??
            new AmstaffError("AMS_ERR_SILENCE_NOT_FOUND", `No active silence "${id}".`)
          );
        }
        return { status: 200, body: applied.silence };
      },
    ],
  ];
}
