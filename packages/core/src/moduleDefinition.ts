import { z } from "zod";
import { scheduleSchema, sharedInterval } from "./schedule.js";
import { sampleStatuses } from "./status.js";

/** Plugin names as parsed so far, each one string: a parse makes a copy per spec (40 bytes a monitor). */
const pluginNames = new Map<string, string>();

/** The one copy of a plugin name; past 1,000 names (never, in practice) a name is kept as given. */
function pluginName(name: string): string {
  const known = pluginNames.get(name);
  if (known !== undefined) return known;
  if (pluginNames.size < 1_000) pluginNames.set(name, name);
  return name;
}

/** Validates a {@link PluginSpec}'s envelope; its options are validated by the plugin's own schema. */
export const pluginSpecSchema = z.strictObject({
  plugin: z.string().min(1).overwrite(pluginName),
  options: z.unknown(),
});

/**
 * Which changes a handler hears about. Absent lists mean "any"; by default a handler hears every change
 * but a new monitor's first settle on `ok`.
 */
export const routeSchema = z.strictObject({
  /** Only changes from these statuses. */
  from: z
    .array(z.enum([...sampleStatuses, "pending"]))
    .min(1)
    .optional(),
  /** Only changes to these statuses. */
  to: z.array(z.enum(sampleStatuses)).min(1).optional(),
});

/**
 * Grouping of a handler's notifications (Alertmanager's `group_by`, `group_wait`, `group_interval`): the
 * first notification of a new group waits `waitMs` to collect others, then the group sends at most one
 * message per `intervalMs`. A resolve joins the group's next message: never later than the window, never
 * dropped. Groups never span modules: one node (the module's owner) sends them.
 */
export const handlerGroupSchema = z.strictObject({
  /**
   * What notifications are grouped by, within the module: `"module"` (all of its monitors), `"status"`
   * (the status changed to), `"tag:<name>"` (the value of the monitors' tag `<name>:<value>`, or the
   * tag's presence).
   * @default ["module"]
   */
  by: z
    .array(z.string().regex(/^(module|status|tag:.+)$/, 'use "module", "status" or "tag:<name>"'))
    .min(1)
    .default(["module"]),
  /**
   * How long a new group waits for more notifications before its first message.
   * @default 30000
   */
  waitMs: z.number().int().min(0).max(3_600_000).default(30_000),
  /**
   * At most one message per group this often, after its first.
   * @default 300000
   */
  intervalMs: z.number().int().min(1_000).max(86_400_000).default(300_000),
});

/** A handler's grouping, as stored (defaults applied). */
export type HandlerGroup = z.output<typeof handlerGroupSchema>;

/** Notifications a handler hears beyond status changes, when it opts in. */
export const notifyOnSchema = z.strictObject({
  /**
   * An `acknowledged` notification when someone acknowledges an incident the handler heard of (so a
   * pager stops paging at once).
   * @default false
   */
  acknowledged: z.boolean().optional(),
});

/** A handler of a monitor: the plugin spec, optionally limited to some changes. */
export const handlerSpecSchema = z.strictObject({
  plugin: z.string().min(1).overwrite(pluginName),
  options: z.unknown(),
  on: routeSchema.optional(),
  /**
   * An escalation stage: this handler hears of an incident only once it has been open this long
   * without being acknowledged or resolved. Absent: at once.
   */
  afterMs: z
    .number()
    .int()
    .min(1_000)
    .max(7 * 86_400_000)
    .optional(),
  /** Groups this handler's notifications of the module's monitors; absent: one message per notification. */
  group: handlerGroupSchema.optional(),
  /**
   * Opt-in notifications; absent: the plugin descriptor's `notifyOn`, set when the module is compiled.
   * @default {}
   */
  notifyOn: notifyOnSchema.optional(),
});

/** Which changes a handler hears about. */
export type Route = z.output<typeof routeSchema>;

/** A handler of a monitor, as stored in a module definition. */
export type HandlerSpec = z.output<typeof handlerSpecSchema>;

const name = z
  .string()
  .trim()
  .min(1, "a name cannot be empty")
  .max(200, "a name has at most 200 characters")
  .refine(
    (s) => !s.includes("/") && [...s].every((c) => c >= " "),
    "a name cannot contain '/' or control characters",
  );

/**
 * The one empty list every definition without tags, handlers or dependencies shares, frozen: zod's
 * `.default([])` and its array parse make a fresh `[]` per list, three per monitor (48 B at 16 each, on
 * every node, for every monitor of every module) that nothing ever changes.
 */
const noItems: never[] = Object.freeze([]) as unknown as never[];
const shareEmpty = <T>(items: T[]): T[] => (items.length === 0 ? noItems : items);
const emptyList = (): never[] => noItems;

/** The keys of a monitor that sets none of the optional ones, in the schema's order. */
const usualKeys = "name,tags,schedule,sampler,handlers,consecutive,unknown,dependsOn,timeoutMs";

/**
 * A monitor that sets none of the optional keys (most), made as one literal with the parser's keys in the
 * parser's order: the parser adds keys one by one to an empty object, which puts those past the fourth in
 * a property array (64 bytes a monitor, on every node, for as long as the module exists).
 */
function asOneLiteral<T extends { name: string }>(monitor: T): T {
  if (Object.keys(monitor).join(",") !== usualKeys) return monitor;
  const { name, tags, schedule, sampler, handlers, consecutive, unknown, dependsOn, timeoutMs } =
    monitor as unknown as Record<string, unknown>;
  return {
    name,
    tags,
    schedule,
    sampler,
    handlers,
    consecutive,
    unknown,
    dependsOn,
    timeoutMs,
  } as unknown as T;
}

const durationMs = (min: number, max: number) => z.number().int().min(min).max(max);

/**
 * When a healthy monitor opens an incident, beyond `consecutive` failing samples in a row: `failures`
 * failing samples among the last `samples` ones, or within the last `withinMs`.
 */
export const openRuleSchema = z
  .strictObject({
    failures: z.number().int().min(1).max(1_000),
    samples: z.number().int().min(1).max(1_000).optional(),
    withinMs: durationMs(1_000, 86_400_000).optional(),
  })
  .refine((rule) => (rule.samples === undefined) !== (rule.withinMs === undefined), {
    message: "give either samples (x of the last y samples) or within (x within a time)",
  })
  .refine((rule) => rule.samples === undefined || rule.failures <= rule.samples, {
    message: "failures cannot exceed samples",
  });

/**
 * Flap detection: the share of status changes between consecutive samples among the last `samples`
 * ones. At `high` or above the monitor is flapping; it stops flapping at `low` or below.
 */
export const flappingRuleSchema = z
  .strictObject({
    samples: z.number().int().min(4).max(200),
    high: z.number().gt(0).max(1),
    low: z.number().min(0).lt(1),
  })
  .refine((rule) => rule.low < rule.high, { message: "low must be below high" });

/** What a sample whose sampler could not tell (`unknown`) counts as; `ignore` skips it entirely. */
export const unknownPolicySchema = z.enum(["unknown", "ok", "warning", "critical", "ignore"]);

/** Validates one monitor of a module. */
export const monitorDefinitionSchema = z
  .strictObject({
    name,
    tags: z.array(z.string().trim().min(1).max(100)).max(50).overwrite(shareEmpty).default(emptyList),
    schedule: scheduleSchema,
    sampler: pluginSpecSchema,
    handlers: z.array(handlerSpecSchema).max(20).overwrite(shareEmpty).default(emptyList),
    /**
     * While an incident stays open and unacknowledged, notify its handlers again this often.
     * Absent: never re-notify.
     */
    renotifyMs: z
      .number()
      .int()
      .min(60_000, "re-notify at most once a minute")
      .max(30 * 86_400_000)
      .optional(),
    /** How many consecutive samples must agree before the status changes. */
    consecutive: z.number().int().min(1).max(100).default(1),
    /** When a healthy monitor opens an incident; absent: after `consecutive` failing samples in a row. */
    open: openRuleSchema.optional(),
    /** How many consecutive `ok` samples resolve an incident; absent: `consecutive`. */
    resolve: z.number().int().min(1).max(100).optional(),
    /** What an `unknown` sample counts as. */
    unknown: unknownPolicySchema.default("unknown"),
    /** Flap detection; absent: none. */
    flapping: flappingRuleSchema.optional(),
    /**
     * Monitors of the same module this one depends on: while one of them is failing, this monitor's
     * alerts are held back (recorded, marked, and sent if it is still failing once they recover).
     */
    dependsOn: z.array(name).max(50).overwrite(shareEmpty).default(emptyList),
    /** How long one probe may take before it counts as `unknown`. */
    timeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  })
  .overwrite(asOneLiteral);

/**
 * Which monitors a maintenance window or a silence covers: those carrying one of `tags`, or named in
 * `monitors`. Both absent: every monitor (of the module, for a window written in a module).
 */
export const scopeSchema = z.strictObject({
  monitors: z.array(name).min(1).max(1_000).optional(),
  tags: z.array(z.string().trim().min(1).max(100)).min(1).max(50).optional(),
});

/** When a maintenance window is open: once, between two instants, or at every match of a cron expression. */
export const windowTimingSchema = z.discriminatedUnion("kind", [
  z
    .strictObject({ kind: z.literal("once"), from: z.number().int(), to: z.number().int() })
    .refine((w) => w.from < w.to, { message: "a window ends after it starts" }),
  z.strictObject({
    kind: z.literal("cron"),
    expression: z
      .string()
      .trim()
      .refine((e) => [5, 6].includes(e.split(/\s+/).length), "a cron expression has 5 or 6 fields"),
    timezone: z.string().min(1).optional(),
    durationMs: durationMs(60_000, 7 * 86_400_000),
  }),
]);

/** A maintenance window written in a module: alerts of the monitors it covers are held back while it is open. */
export const maintenanceWindowSchema = z.strictObject({
  name,
  timing: windowTimingSchema,
  scope: scopeSchema.default({}),
});

/** Validates a whole module: what a module file evaluates to. */
export const moduleDefinitionSchema = z
  .strictObject({
    name,
    monitors: z.array(monitorDefinitionSchema).min(1, "a module has at least one monitor").max(10_000),
    maintenance: z.array(maintenanceWindowSchema).max(100).default([]),
  })
  .superRefine((module, ctx) => {
    const index = new Map<string, number>();
    module.monitors.forEach((monitor, i) => {
      if (index.has(monitor.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["monitors", i, "name"],
          message: `duplicate monitor name "${monitor.name}"`,
        });
      }
      index.set(monitor.name, i);
    });
    module.monitors.forEach((monitor, i) => {
      monitor.dependsOn.forEach((parent, j) => {
        if (!index.has(parent)) {
          ctx.addIssue({
            code: "custom",
            path: ["monitors", i, "dependsOn", j],
            message: `depends on "${parent}", which is not a monitor of module "${module.name}"`,
          });
        }
      });
    });
    for (const cycle of dependencyCycles(module.monitors)) {
      ctx.addIssue({
        code: "custom",
        path: ["monitors", index.get(cycle[0]!) ?? 0, "dependsOn"],
        message: `dependency cycle: ${[...cycle, cycle[0]].map((n) => `"${n}"`).join(" → ")}`,
      });
    }
    module.maintenance.forEach((window, i) => {
      for (const [j, monitor] of (window.scope.monitors ?? []).entries()) {
        if (!index.has(monitor)) {
          ctx.addIssue({
            code: "custom",
            path: ["maintenance", i, "scope", "monitors", j],
            message: `maintenance window "${window.name}" names "${monitor}", which is not a monitor of this module`,
          });
        }
      }
    });
  });

/** Every cycle of `dependsOn` edges, each once, as the monitor names along it. */
function dependencyCycles(monitors: readonly { name: string; dependsOn: readonly string[] }[]): string[][] {
  const edges = new Map(monitors.map((m) => [m.name, m.dependsOn]));
  const state = new Map<string, "visiting" | "done">();
  const cycles: string[][] = [];
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, "visiting");
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const seen = state.get(next);
      if (seen === "visiting") cycles.push(path.slice(path.indexOf(next)));
      else if (seen === undefined && edges.has(next)) visit(next);
    }
    path.pop();
    state.set(node, "done");
  };
  for (const monitor of monitors) if (!state.has(monitor.name)) visit(monitor.name);
  return cycles;
}

/**
 * Shares what a parse of `definition` would share (the empty lists, plugin names, interval schedules) in a
 * definition that did not come from the schema: one restored from a snapshot (`JSON.parse`), which makes a
 * copy of each per monitor. Changes `definition` in place.
 */
export function shareDefinitionParts(definition: ModuleDefinition): void {
  // Written for what older versions stored too: a list or a schedule may be absent.
  for (const monitor of definition.monitors) {
    if (monitor.tags?.length === 0) monitor.tags = noItems;
    if (monitor.handlers?.length === 0) monitor.handlers = noItems;
    if (monitor.dependsOn?.length === 0) monitor.dependsOn = noItems;
    if (typeof monitor.sampler?.plugin === "string")
      monitor.sampler.plugin = pluginName(monitor.sampler.plugin);
    for (const handler of monitor.handlers ?? []) {
      if (typeof handler.plugin === "string") handler.plugin = pluginName(handler.plugin);
    }
    if (monitor.schedule?.kind === "interval") monitor.schedule = sharedInterval(monitor.schedule);
  }
}

/** One monitor of a module, as plain validated data. */
export type MonitorDefinition = z.output<typeof monitorDefinitionSchema>;

/** When a healthy monitor opens an incident; see {@link openRuleSchema}. */
export type OpenRule = z.output<typeof openRuleSchema>;

/** Flap detection settings; see {@link flappingRuleSchema}. */
export type FlappingRule = z.output<typeof flappingRuleSchema>;

/** What an `unknown` sample counts as. */
export type UnknownPolicy = z.output<typeof unknownPolicySchema>;

/** Which monitors a maintenance window or silence covers. */
export type Scope = z.output<typeof scopeSchema>;

/** When a maintenance window is open. */
export type WindowTiming = z.output<typeof windowTimingSchema>;

/** A maintenance window written in a module. */
export type MaintenanceWindow = z.output<typeof maintenanceWindowSchema>;

/** A monitoring module as plain validated data: what is replicated, diffed and shown. */
export type ModuleDefinition = z.output<typeof moduleDefinitionSchema>;
