import { Cron } from "croner";
import { z } from "zod";
import {
  type MaintenanceWindow,
  type ModuleDefinition,
  type MonitorDefinition,
  type Scope,
  scopeSchema,
  type WindowTiming,
} from "./moduleDefinition.js";
import { isFailing, type MonitorStatus } from "./status.js";

/** A silence set through the API or `amstaff silence`: alerts in its scope are held back until it expires. */
export const silenceSchema = z.strictObject({
  id: z.string().min(1).max(100),
  /** The module it covers; absent: every module. */
  module: z.string().min(1).max(200).optional(),
  scope: scopeSchema.default({}),
  from: z.number().int(),
  until: z.number().int(),
  /** Who set it (the token's name, or the name given). */
  by: z.string().min(1).max(200),
  reason: z.string().max(1_000).default(""),
});

/** A silence set through the API or `amstaff silence`. */
export type Silence = z.output<typeof silenceSchema>;

const crons = new Map<string, Cron>();

function cronOf(expression: string, timezone: string | undefined): Cron {
  const key = `${expression}\u0000${timezone ?? ""}`;
  let cron = crons.get(key);
  if (!cron) {
    cron = new Cron(expression, { paused: true, ...(timezone !== undefined && { timezone }) });
    if (crons.size > 1_000) crons.clear();
    crons.set(key, cron);
  }
  return cron;
}

/** Whether a maintenance window is open at `at` (ms since the epoch). Pure: no clock is read. */
export function windowOpen(timing: WindowTiming, at: number): boolean {
  if (timing.kind === "once") return timing.from <= at && at < timing.to;
  // Open iff some match m has m <= at < m + duration, i.e. the first match after at - duration is <= at.
  const next = cronOf(timing.expression, timing.timezone).nextRun(new Date(at - timing.durationMs));
  return next !== null && next.getTime() <= at;
}

/** Whether a monitor is in a scope: named by it, or carrying one of its tags; an empty scope covers all. */
export function inScope(scope: Scope, monitor: Pick<MonitorDefinition, "name" | "tags">): boolean {
  if (scope.monitors === undefined && scope.tags === undefined) return true;
  return (
    scope.monitors?.includes(monitor.name) === true ||
    scope.tags?.some((tag) => monitor.tags.includes(tag)) === true
  );
}

/** The module's maintenance window open for a monitor at `at`, if one is. */
export function openWindow(
  module: Pick<ModuleDefinition, "maintenance">,
  monitor: Pick<MonitorDefinition, "name" | "tags">,
  at: number,
): MaintenanceWindow | undefined {
  return module.maintenance.find((w) => inScope(w.scope, monitor) && windowOpen(w.timing, at));
}

/** What {@link suppressionOf} needs to know beyond the module. */
export interface SuppressionContext {
  at: number;
  silences: Iterable<Silence>;
  /** The committed status of a monitor of the same module. */
  statusOf: (monitor: string) => MonitorStatus | undefined;
}

/**
 * Why a monitor's alerts are held back at `at`, or `undefined` when they are not: an open maintenance
 * window of its module, a silence covering it, or a monitor it depends on that is failing. The reason is
 * recorded with the transition, so what was suppressed is never forgotten.
 */
export function suppressionOf(
  module: ModuleDefinition,
  monitor: MonitorDefinition,
  context: SuppressionContext,
): string | undefined {
  const { at } = context;
  const window = openWindow(module, monitor, at);
  if (window) return `maintenance window "${window.name}"`;
  for (const silence of context.silences) {
    if (silence.from <= at && at < silence.until && (silence.module ?? module.name) === module.name) {
      if (inScope(silence.scope, monitor)) {
        return `silenced by ${silence.by} until ${new Date(silence.until).toISOString()}${silence.reason ? `: ${silence.reason}` : ""}`;
      }
    }
  }
  for (const parent of monitor.dependsOn) {
    const status = context.statusOf(parent);
    if (status !== undefined && isFailing(status)) return `depends on "${parent}", which is ${status}`;
  }
  return undefined;
}
