import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  AmstaffError,
  describeError,
  formatIssues,
  isFailing,
  type ModuleDefinition,
  type MonitorDefinition,
  type PluginDescriptor,
} from "@amstaff/core";
import { type CompileError, type CompileResult, formatCompileErrors } from "@amstaff/dsl/compiler";
import type { Logger } from "pino";
import { z } from "zod";
import { nameSchema, type Principal, requireRole, requireTeam } from "../access/access.js";
import type { Clock } from "../clock.js";
import { eventLoopDelay } from "../runtime/eventLoopDelay.js";
import type { ServerMetrics } from "../runtime/metrics.js";
import type { Observations } from "../runtime/observations.js";
import type { SampleHistory } from "../runtime/sampleHistory.js";
import type { Scheduler } from "../runtime/scheduler.js";
import type { Actor, StoredModule } from "../state/commands.js";
import { monitorKey } from "../state/monitorKey.js";
import type { ReplicatedLog } from "../state/replicatedLog.js";
import type { ApplyResult, StateMachine } from "../state/stateMachine.js";
import { errorResponse } from "./httpErrors.js";
import { silenceRoutes } from "./silenceRoutes.js";

/**
 * What a push compiles a module for: the team it will belong to (the pushing token's, the one an admin
 * names with `?team=`, or the team an existing module already belongs to), so that what a module may
 * use (its secrets' grants) can depend on it.
 */
export interface CompileContext {
  team: string;
}

/** Who the API's tokens are. */
export interface TokenResolver {
  /** The principal of a presented token, or undefined when the server does not know it. */
  resolve(token: string): Principal | undefined;
}

/** What the HTTP API works with. */
export interface HttpApiDeps {
  machine: StateMachine;
  log: ReplicatedLog;
  /** Compiles a pushed (or rolled back) module's source for the team it belongs to. */
  compile: (source: string, context: CompileContext) => Promise<CompileResult>;
  plugins: () => readonly PluginDescriptor[];
  observations: Observations;
  scheduler: Scheduler;
  clock: Clock;
  logger: Logger;
  /** The API's tokens: each has a name (recorded with every write it makes), a team and a role. */
  tokens: TokenResolver;
  /** This node's sample history, for `GET /modules/:module/monitors/:monitor/samples`. */
  history?: SampleHistory | undefined;
  /** The node's metrics, for `GET /metrics`. */
  metrics?: ServerMetrics | undefined;
  /** Serve `GET /metrics` without a token. @default false */
  metricsPublic?: boolean | undefined;
  version: string;
  /** Largest accepted request body in bytes. @default 1048576 */
  maxBodyBytes?: number;
  /** A linearizable read barrier (ReadIndex), run before a `GET` with `?consistent=true`. */
  consistentRead?: () => Promise<void>;
  /**
   * More routes (the cluster's, the dashboard's), authenticated like the others. Their `GET`s are open
   * to every token; anything else (cluster membership, fault injection) to admin tokens only, and
   * recorded in the audit.
   */
  extraRoutes?: [method: string, pattern: RegExp, route: Route][];
}

/**
 * What a route answers: a JSON body, or (`stream`) a response the route writes itself, such as the
 * Server-Sent Events of `GET /events`.
 */
type Reply = {
  status: number;
  body: unknown;
  stream?: (response: ServerResponse) => void;
  /** Sends `body`, a string, as is with this content type instead of as JSON (`GET /metrics`). */
  contentType?: string;
};
/** One endpoint of the API: gets the request, the pattern's captures, the URL and who is calling. */
export type Route = (
  request: IncomingMessage,
  params: string[],
  url: URL,
  caller: Principal,
) => Promise<Reply> | Reply;

/** How a write's caller is recorded in the log (and so in the audit and the module's history). */
export const actorOf = (caller: Principal): Actor => ({
  name: caller.name,
  team: caller.team,
  role: caller.role,
});

/**
 * The 403 for a write the state machine refused on apply because the module is (by then) another team's —
 * an admin moved it while the request was on its way; undefined for any other refusal.
 */
export function refusal(applied: ApplyResult, what: string): AmstaffError | undefined {
  if (applied.ok || applied.code !== "AMS_ERR_AUTH_TEAM") return undefined;
  return new AmstaffError(
    "AMS_ERR_AUTH_TEAM",
    `${what}: ${applied.reason} (it was moved meanwhile). Use a token of that team, or ask an admin.`,
  );
}

/** The caller of the routes served without a token (`GET /health`, a public `GET /metrics`). */
const anonymous: Principal = { name: "anonymous", team: "", role: "read" };

const teamBodySchema = z.strictObject({ team: nameSchema });

const auditQuerySchema = z.strictObject({
  module: z.string().min(1).optional(),
  team: nameSchema.optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, "a whole number")
    .transform(Number)
    .pipe(z.number().min(1).max(2_000))
    .optional(),
  consistent: z.string().optional(),
});

const ackBodySchema = z.strictObject({
  by: z.string().trim().min(1).max(200).optional(),
  incident: z.string().min(1).optional(),
});

/** A plugin's options as JSON Schema, for editors, docs and the dashboard. */
function optionsJsonSchema(plugin: PluginDescriptor): unknown {
  try {
    return z.toJSONSchema(plugin.options, { io: "input", unrepresentable: "any" });
  } catch {
    return null;
  }
}

const rollbackBodySchema = z.strictObject({ revision: z.number().int().min(1).optional() });

const epochMs = z
  .string()
  .regex(/^\d{1,15}$/, "milliseconds since the epoch, e.g. 1767225600000")
  .transform(Number);
const samplesQuerySchema = z.strictObject({
  from: epochMs.optional(),
  to: epochMs.optional(),
  limit: z
    .string()
    .regex(/^\d{1,6}$/, "a whole number")
    .transform(Number)
    .pipe(z.number().min(1).max(10_000))
    .optional(),
  consistent: z.string().optional(),
});

/**
 * A monitor and its module, or the 404 every route answers for a monitor that does not exist (its module
 * gone, or no monitor of that name in it).
 */
export function monitorOr404(
  machine: StateMachine,
  module: string,
  monitor: string,
): { module: StoredModule; definition: MonitorDefinition } {
  const stored = machine.module(module);
  const definition = stored?.definition.monitors.find((m) => m.name === monitor);
  if (!stored || !definition) {
    throw new AmstaffError(
      "AMS_ERR_MODULE_NOT_FOUND",
      stored
        ? `No monitor "${monitor}" in module "${module}". GET /modules/${encodeURIComponent(module)} lists them.`
        : `No module named "${module}". GET /modules lists them.`,
    );
  }
  return { module: stored, definition };
}

/** A module file the compiler refused: answered with 400 and the compiler's errors. */
class CompileRefusal extends Error {
  constructor(readonly errors: CompileError[]) {
    super("module refused");
  }
}

/** What a push changes, monitor by monitor. */
export function diffModules(before: ModuleDefinition | undefined, after: ModuleDefinition) {
  const old = new Map(before?.monitors.map((m) => [m.name, JSON.stringify(m)]));
  const next = new Map(after.monitors.map((m) => [m.name, JSON.stringify(m)]));
  return {
    added: [...next.keys()].filter((n) => !old.has(n)),
    changed: [...next.keys()].filter((n) => old.has(n) && old.get(n) !== next.get(n)),
    removed: [...old.keys()].filter((n) => !next.has(n)),
    unchanged: [...next.keys()].filter((n) => old.get(n) === next.get(n)),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AmstaffError("AMS_ERR_REQUEST_INVALID", "The body is not valid JSON.");
  }
}

/**
 * The JSON API. Every endpoint but `GET /health` (and `GET /metrics` with `metricsPublic`) needs
 * `Authorization: Bearer <token>`, and a read-only token may only `GET`; bad requests get a 4xx with
 * `{ error: { code, message } }` and change nothing.
 */
export function createHttpApi(
  deps: HttpApiDeps,
): (request: IncomingMessage, response: ServerResponse) => void {
  const { machine, log, observations, scheduler, clock, logger } = deps;
  const maxBodyBytes = deps.maxBodyBytes ?? 1024 * 1024;

  /** Who the request's token is, if it presents one the server knows. */
  const caller = (request: IncomingMessage): Principal | undefined => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
    if (!match) return undefined;
    const found = deps.tokens.resolve(match[1]!);
    return found && { name: found.name, team: found.team, role: found.role };
  };

  const readBody = async (request: IncomingMessage): Promise<string> => {
    const declared = Number(request.headers["content-length"] ?? 0);
    if (declared > maxBodyBytes) throw tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBodyBytes) throw tooLarge();
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
  };
  const tooLarge = () =>
    new AmstaffError(
      "AMS_ERR_REQUEST_TOO_LARGE",
      `The request body is over ${maxBodyBytes} bytes; split the module into several modules.`,
    );

  const moduleOr404 = (name: string) => {
    const module = machine.module(name);
    if (!module)
      throw new AmstaffError(
        "AMS_ERR_MODULE_NOT_FOUND",
        `No module named "${name}". GET /modules lists them.`,
      );
    return module;
  };

  /** Compiles a module's source for a team, or throws the 400 that lists its errors. */
  const compileOr400 = async (source: string, team: string): Promise<ModuleDefinition> => {
    const compiled = await deps.compile(source, { team });
    if (compiled.ok) return compiled.definition;
    throw new CompileRefusal(compiled.errors);
  };

  /** Stores a compiled module unless it is identical to the running one; `dryRun` only reports. */
  const applyModule = async (
    source: string,
    definition: ModuleDefinition,
    push: { caller: Principal; team: string; rollbackOf?: number },
    dryRun: boolean,
  ): Promise<Reply> => {
    const existing = machine.module(definition.name);
    const diff = diffModules(existing?.definition, definition);
    const unchanged =
      existing !== undefined &&
      existing.source === source &&
      JSON.stringify(existing.definition) === JSON.stringify(definition);
    if (dryRun || unchanged) {
      return {
        status: 200,
        body: {
          module: definition.name,
          team: push.team,
          revision: existing?.revision ?? null,
          changed: !unchanged,
          dryRun,
          diff,
        },
      };
    }
    const applied = await log.propose({
      type: "module.put",
      name: definition.name,
      source,
      definition,
      by: push.caller.name,
      team: push.team,
      actor: actorOf(push.caller),
      ...(push.rollbackOf !== undefined && { rollbackOf: push.rollbackOf }),
      at: clock.now(),
    });
    if (!applied.ok && applied.code === "AMS_ERR_AUTH_TEAM") {
      throw new AmstaffError(
        "AMS_ERR_AUTH_TEAM",
        `Not pushed: ${applied.reason} (it was claimed or moved meanwhile).`,
      );
    }
    if (!applied.ok || !applied.module) {
      throw new AmstaffError(
        "AMS_ERR_INTERNAL",
        `The module was not stored: ${applied.ok ? "no result" : applied.reason}`,
      );
    }
    return {
      status: existing ? 200 : 201,
      body: {
        module: definition.name,
        team: applied.module.team,
        revision: applied.module.revision,
        version: applied.module.version,
        changed: true,
        dryRun: false,
        diff,
        monitors: definition.monitors.map((m) => m.name),
      },
    };
  };

  /**
   * A push: a write token of the module's team (or an admin). A new module becomes the pushing token's
   * team's, or the team an admin names with `?team=`.
   */
  const pushModule: Route = async (request, _, url, caller) => {
    requireRole(caller, "write", "push modules");
    const asked = url.searchParams.get("team");
    const team = asked === null ? undefined : nameSchema.safeParse(asked);
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
    const source = await readBody(request);
    if (source.trim() === "") {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        "The body is empty: send the module file, e.g. curl --data-binary @user-service.ts.",
      );
    }
    const dryRun = ["1", "true", ""].includes(url.searchParams.get("dryRun") ?? "no");
    const intended = team?.data ?? caller.team;
    let definition = await compileOr400(source, intended);
    const owner = machine.isKnownModule(definition.name) ? machine.teamOf(definition.name) : undefined;
    if (owner !== undefined) {
      requireTeam(caller, "write", "push", { name: definition.name, team: owner });
      if (team?.data !== undefined && team.data !== owner) {
        throw new AmstaffError(
          "AMS_ERR_REQUEST_INVALID",
          `Module "${definition.name}" is team "${owner}"'s: ?team= only names the team of a new module. Move it with PUT /modules/${encodeURIComponent(definition.name)}/team first.`,
        );
      }
      // An admin pushing another team's module: what the module may use is decided by its own team.
      if (owner !== intended) definition = await compileOr400(source, owner);
    }
    return applyModule(source, definition, { caller, team: owner ?? intended }, dryRun);
  };

  const rollback: Route = async (request, [name], _, caller) => {
    requireRole(caller, "write", "roll back modules");
    const text = await readBody(request);
    const body = rollbackBodySchema.safeParse(text.trim() === "" ? {} : safeJson(text));
    if (!body.success)
      throw new AmstaffError("AMS_ERR_REQUEST_INVALID", `Invalid body: ${formatIssues(body.error.issues)}.`);
    if (machine.isKnownModule(name!)) {
      requireTeam(caller, "write", "roll back", { name: name!, team: machine.teamOf(name!) });
    }
    const history = machine.history(name!);
    const current = machine.module(name!)?.revision;
    const target =
      body.data.revision === undefined
        ? history.filter((r) => r.revision !== current).at(-1)
        : history.find((r) => r.revision === body.data.revision);
    if (!target) {
      throw new AmstaffError(
        "AMS_ERR_MODULE_NOT_FOUND",
        history.length === 0
          ? `Module "${name}" has no history.`
          : `Module "${name}" has no revision ${body.data.revision ?? "before the current one"}; kept: ${history.map((r) => r.revision).join(", ")}.`,
      );
    }
    // The old source is compiled again: it must still be valid with the plugins installed today.
    const definition = await compileOr400(target.source, machine.teamOf(name!));
    if (definition.name !== name) {
      throw new AmstaffError(
        "AMS_ERR_MODULE_INVALID",
        `Revision ${target.revision} now evaluates to module "${definition.name}", not "${name}".`,
      );
    }
    const reply = await applyModule(
      target.source,
      definition,
      { caller, team: machine.teamOf(name!), rollbackOf: target.revision },
      false,
    );
    return { ...reply, body: { ...(reply.body as object), rolledBackTo: target.revision } };
  };

  /** A monitor's sample history on this node (raw or in 5-minute buckets), over a time range. */
  const samples: Route = (_, [module, monitor], url) => {
    monitorOr404(machine, module!, monitor!);
    const query = samplesQuerySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `Invalid query: ${formatIssues(query.error.issues)}. Use ?from=<ms>&to=<ms>&limit=<1..10000>.`,
      );
    }
    const to = query.data.to ?? clock.now();
    const from = query.data.from ?? to - 86_400_000;
    if (from > to) {
      throw new AmstaffError("AMS_ERR_REQUEST_INVALID", "Invalid query: from must not be after to.");
    }
    const limit = query.data.limit ?? 2_000;
    const page = deps.history?.query(module!, monitor!, { from, to, limit }) ?? {
      resolution: "raw",
      samples: [],
    };
    return { status: 200, body: { module, monitor, from, to, ...page } };
  };

  const metricsText: Route = async () => {
    const { contentType, body } = await deps.metrics!.text();
    return { status: 200, body, contentType };
  };

  const monitorsView = (url: URL) => {
    const filter = {
      module: url.searchParams.get("module"),
      team: url.searchParams.get("team"),
      status: url.searchParams.get("status"),
      tag: url.searchParams.get("tag"),
    };
    return machine
      .modules()
      .flatMap((module) =>
        module.definition.monitors.map((definition) => {
          const record = machine.monitor(module.name, definition.name);
          const observed = observations.get(module.name, definition.name);
          const nextRunAt = scheduler.nextRunAt(monitorKey(module.name, definition.name));
          return {
            module: module.name,
            team: module.team,
            monitor: definition.name,
            tags: definition.tags,
            status: record?.status ?? "pending",
            since: record?.since ?? null,
            flapping: record?.flapping === true,
            suppressed: machine.suppression(module, definition, clock.now()) ?? null,
            lastResult: observed?.lastResult ?? null,
            lastRunAt: observed?.lastRunAt ?? null,
            nextRunAt: nextRunAt !== undefined && Number.isFinite(nextRunAt) ? nextRunAt : null,
            incident: record?.incident
              ? {
                  key: record.incident.key,
                  openedAt: record.incident.openedAt,
                  acknowledged: record.incident.acknowledged ?? null,
                }
              : null,
          };
        }),
      )
      .filter(
        (m) =>
          (filter.module === null || m.module === filter.module) &&
          (filter.team === null || m.team === filter.team) &&
          (filter.status === null || m.status === filter.status) &&
          (filter.tag === null || m.tags.includes(filter.tag)),
      )
      .sort((a, b) => Number(isFailing(b.status)) - Number(isFailing(a.status)));
  };

  const routes: [method: string, pattern: RegExp, route: Route][] = [
    [
      "GET",
      /^\/health$/,
      () => {
        const { runs, skipped, latenessMs } = scheduler.stats();
        const { p50, p99, max } = latenessMs;
        const delay = eventLoopDelay().summary();
        return {
          status: 200,
          body: {
            status: "ok",
            version: deps.version,
            modules: machine.modules().length,
            scheduler: { runs, skipped, latenessMs: { p50, p99, max } },
            eventLoopDelayMs: { p50: delay.p50, p99: delay.p99, max: delay.max },
          },
        };
      },
    ],
    ["POST", /^\/monitor$/, pushModule],
    ["POST", /^\/modules$/, pushModule],
    [
      "GET",
      /^\/modules$/,
      () => ({
        status: 200,
        body: machine.modules().map((m) => ({
          name: m.name,
          version: m.version,
          revision: m.revision,
          hash: m.hash,
          team: m.team,
          pushedBy: m.pushedBy,
          monitors: m.definition.monitors.map((d) => d.name),
          createdAt: m.createdAt,
          updatedAt: m.updatedAt,
        })),
      }),
    ],
    ["GET", /^\/modules\/([^/]+)$/, (_, [name]) => ({ status: 200, body: moduleOr404(name!) })],
    [
      "GET",
      /^\/modules\/([^/]+)\/history$/,
      (_, [name]) => {
        const history = machine.history(name!);
        if (history.length === 0)
          throw new AmstaffError("AMS_ERR_MODULE_NOT_FOUND", `Module "${name}" has no history.`);
        const current = machine.module(name!)?.revision ?? null;
        return {
          status: 200,
          body: { module: name, current, revisions: history.map(({ source: _s, ...r }) => r).reverse() },
        };
      },
    ],
    [
      "GET",
      /^\/modules\/([^/]+)\/history\/(\d+)$/,
      (_, [name, revision]) => {
        const found = machine.history(name!).find((r) => r.revision === Number(revision));
        if (!found)
          throw new AmstaffError("AMS_ERR_MODULE_NOT_FOUND", `Module "${name}" has no revision ${revision}.`);
        return { status: 200, body: found };
      },
    ],
    ["POST", /^\/modules\/([^/]+)\/rollback$/, rollback],
    [
      "PUT",
      /^\/modules\/([^/]+)\/team$/,
      async (request, [name], _, caller) => {
        requireRole(caller, "admin", "move a module to another team");
        if (!machine.isKnownModule(name!))
          throw new AmstaffError(
            "AMS_ERR_MODULE_NOT_FOUND",
            `No module named "${name}". GET /modules lists them.`,
          );
        const text = await readBody(request);
        const body = teamBodySchema.safeParse(safeJson(text));
        if (!body.success) {
          throw new AmstaffError(
            "AMS_ERR_REQUEST_INVALID",
            `Invalid body: ${formatIssues(body.error.issues)}. Send {"team": "payments"}.`,
          );
        }
        const from = machine.teamOf(name!);
        if (from === body.data.team)
          return { status: 200, body: { module: name, team: from, changed: false } };
        const applied = await log.propose({
          type: "module.team",
          name: name!,
          team: body.data.team,
          actor: actorOf(caller),
          at: clock.now(),
        });
        if (!applied.ok) throw new AmstaffError("AMS_ERR_REQUEST_INVALID", `Not moved: ${applied.reason}.`);
        return { status: 200, body: { module: name, team: body.data.team, from, changed: true } };
      },
    ],
    [
      "GET",
      /^\/whoami$/,
      (_, __, ___, caller) => ({
        status: 200,
        body: { name: caller.name, team: caller.team, role: caller.role },
      }),
    ],
    [
      "GET",
      /^\/audit$/,
      (_, __, url, caller) => {
        const query = auditQuerySchema.safeParse(Object.fromEntries(url.searchParams));
        if (!query.success) {
          throw new AmstaffError(
            "AMS_ERR_REQUEST_INVALID",
            `Invalid query: ${formatIssues(query.error.issues)}. Use ?module=<name>&team=<team>&limit=<1..2000>.`,
          );
        }
        const { module, limit } = query.data;
        if (caller.role !== "admin" && query.data.team !== undefined && query.data.team !== caller.team) {
          throw new AmstaffError(
            "AMS_ERR_AUTH_TEAM",
            `Token "${caller.name}" is of team "${caller.team}": it sees its own team's audit only.`,
          );
        }
        // An admin sees every entry; a team's tokens those about its modules and those its tokens made.
        const team = caller.role === "admin" ? query.data.team : caller.team;
        return { status: 200, body: machine.audit({ team, module, limit }) };
      },
    ],
    [
      "DELETE",
      /^\/modules\/([^/]+)$/,
      async (_, [name], __, caller) => {
        requireRole(caller, "write", "delete modules");
        const module = moduleOr404(name!);
        requireTeam(caller, "write", "delete", module);
        const applied = await log.propose({
          type: "module.delete",
          name: name!,
          actor: actorOf(caller),
          at: clock.now(),
        });
        if (!applied.ok) {
          throw (
            refusal(applied, "Not deleted") ??
            new AmstaffError("AMS_ERR_MODULE_NOT_FOUND", `No module named "${name}".`)
          );
        }
        return { status: 200, body: { deleted: name } };
      },
    ],
    ["GET", /^\/monitors$/, (_, __, url) => ({ status: 200, body: monitorsView(url) })],
    ...silenceRoutes({ machine, log, clock, readBody }),
    ["GET", /^\/modules\/([^/]+)\/monitors\/([^/]+)\/samples$/, samples],
    ...(deps.metrics ? [["GET", /^\/metrics$/, metricsText] as [string, RegExp, Route]] : []),
    ...(deps.extraRoutes ?? []).map(([method, pattern, handler]): [string, RegExp, Route] => [
      method,
      pattern,
      method === "GET" ? handler : adminOnly(handler),
    ]),
    [
      "POST",
      /^\/monitors\/([^/]+)\/([^/]+)\/ack$/,
      async (request, [module, monitor], _, caller) => {
        requireRole(caller, "operate", "acknowledge incidents");
        const text = await readBody(request);
        const body = ackBodySchema.safeParse(text.trim() === "" ? {} : safeJson(text));
        if (!body.success) {
          throw new AmstaffError(
            "AMS_ERR_REQUEST_INVALID",
            `Invalid body: ${formatIssues(body.error.issues)}. Send {"by": "your name"} or nothing.`,
          );
        }
        requireTeam(caller, "operate", "acknowledge", monitorOr404(machine, module!, monitor!).module);
        const applied = await log.propose({
          type: "incident.ack",
          module: module!,
          monitor: monitor!,
          incident: body.data.incident,
          by: body.data.by ?? caller.name,
          actor: actorOf(caller),
          at: clock.now(),
        });
        const refused = applied.ok ? undefined : refusal(applied, "Not acknowledged");
        if (refused) throw refused;
        if (!applied.ok)
          return {
            status: 409,
            body: {
              error: { code: "AMS_ERR_REQUEST_INVALID", message: `Not acknowledged: ${applied.reason}.` },
            },
          };
        return { status: 200, body: { acknowledged: applied.incident } };
      },
    ],
    [
      "GET",
      /^\/monitors\/([^/]+)\/([^/]+)\/transitions$/,
      (_, [module, monitor]) => {
        monitorOr404(machine, module!, monitor!);
        // Suppressed changes have no delivery: this is where they stay visible, with the reason.
        return { status: 200, body: machine.transitionsOf(module!, monitor!).reverse() };
      },
    ],
    [
      "GET",
      /^\/deliveries$/,
      (_, __, url) => ({
        status: 200,
        body: machine
          .deliveries({
            module: url.searchParams.get("module") ?? undefined,
            monitor: url.searchParams.get("monitor") ?? undefined,
          })
          .map(({ handler, ...delivery }) => ({
            ...delivery,
            handler: handler.plugin,
            transition: machine.transition(delivery.transitionId),
          })),
      }),
    ],
    [
      "GET",
      /^\/plugins$/,
      () => ({
        status: 200,
        body: deps.plugins().map((p) => ({
          id: p.id,
          kind: p.kind,
          package: p.package,
          description: p.description,
          builders: Object.keys(p.builders),
          options: optionsJsonSchema(p),
        })),
      }),
    ],
  ];

  const route = async (request: IncomingMessage, url: URL): Promise<Reply> => {
    let pathMatched = false;
    for (const [method, pattern, handler] of routes) {
      const match = pattern.exec(url.pathname);
      if (!match) continue;
      pathMatched = true;
      if (method !== request.method) continue;
      const token = caller(request);
      const open = url.pathname === "/health" || (url.pathname === "/metrics" && deps.metricsPublic === true);
      if (!open && token === undefined) {
        throw new AmstaffError(
          "AMS_ERR_AUTH_REQUIRED",
          "Missing or wrong token: send Authorization: Bearer <token> (the server prints where its token is).",
        );
      }
      // Every write route checks its own rights; this keeps a read token off any write route, future ones too.
      if (token?.role === "read" && request.method !== "GET") {
        throw new AmstaffError(
          "AMS_ERR_AUTH_ROLE",
          `Token "${token.name}" has role read: it may only GET. Use a token with role operate, write or admin.`,
          { details: { token: token.name, team: token.team, role: token.role } },
        );
      }
      let params: string[];
      try {
        params = match.slice(1).map((p) => decodeURIComponent(p));
      } catch {
        throw new AmstaffError("AMS_ERR_REQUEST_INVALID", "The URL is not correctly percent-encoded.");
      }
      if (request.method === "GET" && url.searchParams.get("consistent") === "true") {
        await deps.consistentRead?.();
      }
      return handler(request, params, url, token ?? anonymous);
    }
    return pathMatched
      ? {
          status: 405,
          body: {
            error: {
              code: "AMS_ERR_REQUEST_INVALID",
              message: `${request.method} is not allowed on ${url.pathname}.`,
            },
          },
        }
      : {
          status: 404,
          body: {
            error: {
              code: "AMS_ERR_REQUEST_INVALID",
              message: `No endpoint ${request.method} ${url.pathname}.`,
            },
          },
        };
  };

  /**
   * A cluster route that changes something: admin tokens only, and recorded in the audit once done
   * (membership lives in Raft's own configuration, not in the state machine, so the audit needs its entry).
   * The entry is not awaited: a node that fault injection just cut off from the log still answers.
   */
  function adminOnly(handler: Route): Route {
    return async (request, params, url, caller) => {
      requireRole(caller, "admin", `${request.method} ${url.pathname}`);
      const reply = await handler(request, params, url, caller);
      if (reply.status < 300) {
        const failed = (reason: string) =>
          logger.warn({ action: `${request.method} ${url.pathname}`, reason }, "audit entry not recorded");
        log
          .propose({
            type: "audit.record",
            action: `${request.method} ${url.pathname}`,
            ...(params[0] !== undefined && { target: params[0].slice(0, 200) }),
            detail: JSON.stringify(reply.body).slice(0, 500),
            actor: actorOf(caller),
            at: clock.now(),
          })
          .then(
            (recorded) => recorded.ok || failed(recorded.reason),
            (error: unknown) => failed(describeError(error)),
          );
      }
      return reply;
    };
  }

  return (request, response) => {
    const requestId = randomUUID();
    const started = performance.now();
    const url = new URL(request.url ?? "/", "http://localhost");
    void route(request, url)
      .catch((error: unknown): Reply => {
        if (error instanceof CompileRefusal) {
          return {
            status: 400,
            body: {
              error: { code: "AMS_ERR_MODULE_INVALID", message: formatCompileErrors(error.errors) },
              errors: error.errors,
            },
          };
        }
        const { status, body } = errorResponse(error);
        if (status >= 500) logger.error({ requestId, err: error }, "request failed");
        if (status === 403) {
          logger.warn(
            {
              requestId,
              method: request.method,
              path: url.pathname,
              code: body.error.code,
              ...body.error.details,
            },
            "request refused",
          );
        }
        return { status, body };
      })
      .then(({ status, body, stream, contentType }) => {
        if (stream) {
          logger.info({ requestId, method: request.method, path: url.pathname, status }, "stream opened");
          return stream(response);
        }
        const payload = contentType === undefined ? JSON.stringify(body) : String(body);
        response.writeHead(status, {
          "content-type": contentType ?? "application/json; charset=utf-8",
          "content-length": Buffer.byteLength(payload),
          "x-request-id": requestId,
        });
        response.end(payload);
        logger.info(
          {
            requestId,
            method: request.method,
            path: url.pathname,
            status,
            ms: Math.round(performance.now() - started),
          },
          "request",
        );
      });
  };
}
