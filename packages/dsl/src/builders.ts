import type {
  CronSchedule,
  Duration,
  IntervalSchedule,
  PluginSpec,
  SampleStatus,
  Schedule,
  SecretRef,
} from "@amstaff/core";

// Only type imports above: this file is also bundled into the compiler's sandbox, where it must stay
// tiny and must not pull in @amstaff/core's or zod's runtime.

/** What a monitor is made of; the second argument of {@link ModuleBuilder.monitor}. */
export interface MonitorOptions {
  /** What to probe: a sampler builder call such as `httpGet({ url })`. */
  sampler: PluginSpec;
  /** When to probe: `every("30s")` or `cron("*\/5 * * * *")`. */
  timing: Schedule;
  /**
   * Who to notify when the monitor's status changes: handler builder calls such as `webhook({ url })`.
   * @default []
   */
  handlers?: readonly PluginSpec[] | undefined;
  /**
   * Free-form labels to filter and group monitors by (at most 50, each 1 to 100 characters).
   * @default []
   */
  tags?: readonly string[] | undefined;
  /**
   * How many consecutive samples must agree before the monitor's status changes (1 to 100).
   * @default 1
   */
  consecutive?: number | undefined;
  /**
   * How long one probe may take before it counts as `unknown` (100ms to 10m).
   * @default "10s"
   */
  timeout?: Duration | undefined;
  /**
   * While an incident stays open and unacknowledged, notify the handlers that heard of it again this
   * often (at least `"1m"`). Acknowledging the incident stops the reminders, never the resolve.
   * @default never
   */
  renotify?: Duration | undefined;
  /**
   * The alert policy: when to open and resolve, who hears of which status, escalation, flapping. The
   * monitor's own `consecutive` and `renotify` take precedence over the policy's. See {@link policy}.
   * @default the module's `defaults.policy`, else open and resolve on every change
   */
  policy?: Policy | undefined;
  /**
   * Monitors of this module this one depends on, by the reference `m.monitor(...)` returned. While one
   * of them is failing, this monitor's alerts are held back and marked as such (it is probably the
   * cause); if this monitor still fails once they recover, its alert is sent then.
   * @default []
   */
  dependsOn?: readonly MonitorRef[] | undefined;
}

/** Which status changes a handler hears about; an absent list means any. */
export interface Route {
  /** Only changes from these statuses (`"pending"` is a new monitor's status before its first result). */
  from?: readonly (SampleStatus | "pending")[] | undefined;
  /** Only changes to these statuses. */
  to?: readonly SampleStatus[] | undefined;
}

/** A handler limited to some status changes: what {@link only} returns. */
export type RoutedHandler = PluginSpec & { on: Route };

/**
 * Limits a handler to some status changes. A handler that heard of an incident always hears of its
 * recovery, whatever its route, so nothing is left open downstream.
 *
 * @example
 * ```ts
 * handlers: [
 *   slack({ token: secret("SLACK_TOKEN"), channel: "#user-service" }),
 *   only(opsgenie({ apiKey: secret("OPSGENIE_KEY") }), { to: ["critical"] }),
 * ]
 * ```
 */
export function only(handler: PluginSpec, on: Route): RoutedHandler {
  return { ...handler, on };
}

/** How a handler groups its notifications: see {@link grouped}. */
export interface GroupOptions {
  /**
   * What notifications are grouped by, within the module: `"module"` (all its monitors), `"status"`
   * (the status they changed to), `"tag:<name>"` (the value of the monitors' `<name>:<value>` tag).
   * @default ["module"]
   */
  by?: readonly ("module" | "status" | `tag:${string}`)[] | undefined;
  /**
   * How long a new group waits to collect more notifications before its first message.
   * @default "30s"
   */
  wait?: Duration | undefined;
  /**
   * At most one message per group this often after its first; a resolve waits at most this long.
   * @default "5m"
   */
  interval?: Duration | undefined;
}

/** A handler whose notifications are grouped: what {@link grouped} returns. */
export type GroupedHandler<H extends PluginSpec = PluginSpec> = H & { group: GroupOptions };

/**
 * Groups a handler's notifications (Alertmanager's `group_by`, `group_wait`, `group_interval`): the
 * first of a new group waits `wait` to collect others, then the group sends at most one message per
 * `interval`, listing its monitors. A resolve is never held longer than that, nor dropped. Groups stay
 * within a module.
 *
 * @example
 * ```ts
 * handlers: [grouped(webhook({ url: "https://hooks.example.com/amstaff" }), { wait: "30s", interval: "5m" })]
 * ```
 */
export function grouped<H extends PluginSpec>(handler: H, group: GroupOptions = {}): GroupedHandler<H> {
  return { ...handler, group };
}

/** Notifications a handler hears beyond status changes: see {@link notifyOn}. */
export interface NotifyOnOptions {
  /**
   * An `acknowledged` notification as soon as someone acknowledges an incident the handler heard of.
   * @default the plugin's choice (PagerDuty: true; others: false)
   */
  acknowledged?: boolean | undefined;
}

/**
 * Opts a handler into (or out of) notifications beyond status changes, overriding its plugin's choice.
 *
 * @example
 * ```ts
 * handlers: [notifyOn(slack({ token: secret("SLACK_TOKEN"), channel: "#ops" }), { acknowledged: true })]
 * ```
 */
export function notifyOn<H extends PluginSpec>(
  handler: H,
  options: NotifyOnOptions,
): H & { notifyOn: NotifyOnOptions } {
  return { ...handler, notifyOn: options };
}

/** One monitor as recorded by {@link ModuleBuilder.monitor}: plain data. */
export interface AmstaffMonitor {
  name: string;
  tags: string[];
  schedule: Schedule;
  sampler: PluginSpec;
  /** Its handlers, the policy's included; an escalation stage carries `after`. */
  handlers: (PluginSpec & {
    on?: Route;
    after?: Duration;
    group?: GroupOptions;
    notifyOn?: NotifyOnOptions;
  })[];
  consecutive?: number;
  timeout?: Duration;
  renotify?: Duration;
  open?: { failures: number; samples?: number; within?: Duration };
  resolve?: number;
  unknown?: UnknownMeaning;
  flapping?: FlappingOptions;
  dependsOn?: string[];
}

/** A maintenance window as recorded by {@link ModuleBuilder.maintenance}: plain data. */
export interface AmstaffMaintenance {
  name: string;
  timing:
    | { kind: "cron"; expression: string; timezone?: string; duration: Duration }
    | { kind: "once"; from: string; to: string };
  scope: { monitors?: string[]; tags?: string[] };
}

/** What an `unknown` sample (the sampler itself failed) counts as; `"ignore"` skips it. */
export type UnknownMeaning = "unknown" | "ok" | "warning" | "critical" | "ignore";

/** Flap detection: see {@link PolicyOptions.flapping}. */
export interface FlappingOptions {
  /** How many of the latest samples to look at (4 to 200). */
  samples: number;
  /** The share of changes between consecutive samples (0 to 1) at which the monitor starts flapping. */
  high: number;
  /** The share at or below which it stops flapping; below `high`. */
  low: number;
}

/** What {@link policy} takes. Every field is optional; the defaults alert on every change at once. */
export interface PolicyOptions {
  /**
   * When a healthy monitor opens an incident:
   * - `{ consecutive: 3 }`: three failing samples in a row;
   * - `{ failures: 3, of: 5 }`: three failing samples among the last five;
   * - `{ failures: 3, within: "10m" }`: three failing samples within ten minutes.
   * @default { consecutive: 1 }
   */
  open?:
    | { consecutive: number }
    | { failures: number; of: number }
    | { failures: number; within: Duration }
    | undefined;
  /**
   * How many `ok` samples in a row resolve an incident (hysteresis: a flaky recovery stays open).
   * @default { consecutive: the open rule's consecutive, else 1 }
   */
  resolve?: { consecutive: number } | undefined;
  /**
   * What a sample counts as when the sampler itself failed (timeout, crash, misconfiguration):
   * `"unknown"` (its own status, routed like a failure), `"critical"`, `"warning"`, `"ok"`, or
   * `"ignore"` (skip the sample: it neither opens nor resolves anything).
   * @default "unknown"
   */
  unknown?: UnknownMeaning | undefined;
  /**
   * Flap detection: a monitor whose status changed between `high` (e.g. 0.5: every other sample) of
   * its last `samples` samples is held in one announced "flapping" state, instead of paging on every
   * change, until the share falls to `low`.
   * @default none
   */
  flapping?: FlappingOptions | undefined;
  /**
   * Who hears of which status: `{ warning: [slackTeam], critical: [slackTeam, pager] }`. A handler
   * listed under several statuses is one handler (pass the same value); it hears of the incident's
   * resolve once if it heard of anything.
   * @default {}
   */
  notify?: { readonly [S in Exclude<SampleStatus, "ok">]?: readonly PluginSpec[] } | undefined;
  /**
   * Escalation stages: handlers that hear of an incident only once it has been open `after` this long
   * without being acknowledged or resolved. Acknowledging stops further stages, never the resolve.
   * @default []
   */
  escalate?: readonly { after: Duration; notify: readonly PluginSpec[] }[] | undefined;
  /**
   * While an incident stays open and unacknowledged, remind the handlers that heard of it this often.
   * @default never
   */
  renotify?: Duration | undefined;
}

declare const policyBrand: unique symbol;

/** A reusable alert policy: what {@link policy} returns. Share it between monitors and modules. */
export interface Policy extends PolicyOptions {
  readonly [policyBrand]: "Policy";
}

/**
 * Declares an alert policy: when a monitor opens and resolves an incident, who hears of which status,
 * escalation, re-notification and flap detection. A policy is a plain value: define your team's once
 * (in a shared file) and give it to many monitors.
 *
 * @example
 * ```ts
 * const team = slack({ token: secret("SLACK_TOKEN"), channel: "#payments" });
 * export const paging = policy({
 *   open: { failures: 3, of: 5 },
 *   resolve: { consecutive: 2 },
 *   unknown: "ignore",
 *   notify: { warning: [team], critical: [team] },
 *   escalate: [{ after: "10m", notify: [opsgenie({ apiKey: secret("OPSGENIE_KEY") })] }],
 *   renotify: "1h",
 *   flapping: { samples: 10, high: 0.5, low: 0.2 },
 * });
 * ```
 */
export function policy(options: PolicyOptions): Policy {
  return { ...options } as Policy;
}

/** The handlers a policy adds to a monitor: one entry per distinct handler, routed to its statuses. */
function policyHandlers(p: PolicyOptions): AmstaffMonitor["handlers"] {
  const byKey = new Map<string, { spec: PluginSpec; to: SampleStatus[] }>();
  for (const [status, specs] of Object.entries(p.notify ?? {}) as [SampleStatus, readonly PluginSpec[]][]) {
    for (const spec of specs ?? []) {
      const key = JSON.stringify(spec);
      const entry = byKey.get(key) ?? { spec, to: [] };
      if (!entry.to.includes(status)) entry.to.push(status);
      byKey.set(key, entry);
    }
  }
  const routed = [...byKey.values()].map(({ spec, to }) => ({ ...spec, on: { to } }));
  const stages = (p.escalate ?? []).flatMap((stage) =>
    stage.notify.map((spec) => ({ ...spec, after: stage.after })),
  );
  return [...routed, ...stages];
}

declare const moduleBrand: unique symbol;

/**
 * What {@link amstaff} returns and a module file exports by default: the module as plain data, close to
 * `ModuleDefinition`'s input shape. The compiler validates it and turns it into a `ModuleDefinition`.
 */
export interface AmstaffModule {
  readonly [moduleBrand]: "AmstaffModule";
  /** The module's name, unique on a cluster. */
  name: string;
  /** Its monitors, in the order they were declared. */
  monitors: AmstaffMonitor[];
  /** Its maintenance windows. */
  maintenance: AmstaffMaintenance[];
}

declare const monitorRefBrand: unique symbol;

/**
 * A handle on a declared monitor, returned by `m.monitor(...)`: give it to another monitor's
 * `dependsOn`. Only `m.monitor` makes one, so a dependency can never name a monitor that does not exist.
 */
export interface MonitorRef {
  readonly [monitorRefBrand]: "MonitorRef";
  /** The name of the module the monitor belongs to. */
  module: string;
  /** The monitor's name. */
  name: string;
}

/**
 * Monitor options every monitor of a module starts from; the third argument's monitors override them.
 * See {@link amstaff}.
 */
export interface MonitorDefaults {
  /** The timing of monitors that give none: `every("1m")` or `cron(...)`. */
  timing?: Schedule | undefined;
  /**
   * The handlers of monitors that give none. A monitor's own `handlers` replace them (`handlers: []`
   * turns them off for that monitor).
   * @default []
   */
  handlers?: readonly PluginSpec[] | undefined;
  /**
   * Tags every monitor of the module carries. A monitor's own `tags` are added to these (duplicates are
   * dropped), they do not replace them.
   * @default []
   */
  tags?: readonly string[] | undefined;
  /**
   * How many consecutive samples must agree before a status changes (1 to 100), unless a monitor says.
   * @default 1
   */
  consecutive?: number | undefined;
  /**
   * How long one probe may take (100ms to 10m), unless a monitor says.
   * @default "10s"
   */
  timeout?: Duration | undefined;
  /**
   * How often to remind of an open, unacknowledged incident, unless a monitor says.
   * @default never
   */
  renotify?: Duration | undefined;
  /**
   * The alert policy of monitors that give none. See {@link policy}.
   * @default none
   */
  policy?: Policy | undefined;
}

/** When a maintenance window is open: `{ cron, duration }` recurring, or `{ from, to }` once. */
export type MaintenanceTiming =
  | {
      /** When each window starts, a cron expression (5 fields, or 6 with seconds first). */
      cron: string;
      /** How long each window lasts (1m to 7d). */
      duration: Duration;
      /**
       * The IANA time zone the expression is read in.
       * @default "UTC"
       */
      timezone?: string | undefined;
    }
  | {
      /** When the window opens: an ISO 8601 date with its offset, `"2026-12-01T22:00:00Z"`. */
      from: string;
      /** When it closes, likewise. */
      to: string;
    };

/** What {@link ModuleBuilder.maintenance} takes: when, and which monitors (all of the module's if neither). */
export type MaintenanceOptions = MaintenanceTiming & {
  /**
   * The monitors it covers, by the references `m.monitor(...)` returned.
   * @default every monitor of the module (unless `tags` is given)
   */
  monitors?: readonly MonitorRef[] | undefined;
  /**
   * It covers the monitors carrying one of these tags.
   * @default every monitor of the module (unless `monitors` is given)
   */
  tags?: readonly string[] | undefined;
};

/** Options of a module: the second argument of the three-argument {@link amstaff}. */
export interface ModuleOptions {
  /** Options every monitor of the module starts from; each monitor can override them. */
  defaults?: MonitorDefaults | undefined;
}

/** {@link MonitorOptions} in a module whose defaults give a timing: a monitor's own timing is optional. */
export interface DefaultedMonitorOptions extends Omit<MonitorOptions, "timing"> {
  /**
   * When to probe: `every("30s")` or `cron("*\/5 * * * *")`.
   * @default the module's `defaults.timing`
   */
  timing?: Schedule | undefined;
}

/** The object the build callback of {@link amstaff} receives. */
export interface ModuleBuilder<Options = MonitorOptions> {
  /**
   * Declares a monitor. Names are unique within a module, 1 to 200 characters, without `/`.
   *
   * @example
   * ```ts
   * m.monitor("Health-Check Failed", { sampler: httpGet({ url: "http://user-service/health" }), timing: every("30s") });
   * ```
   */
  monitor(name: string, options: Options): MonitorRef;
  /**
   * Declares a maintenance window: while it is open, alerts of the monitors it covers are held back
   * and recorded (a resolve of an alert that was sent still goes out). If a monitor is still failing
   * when the window closes, its alert is sent then.
   *
   * @example
   * ```ts
   * m.maintenance("Sunday deploys", { cron: "0 2 * * 0", duration: "2h", timezone: "Europe/Berlin", monitors: [api] });
   * m.maintenance("Database migration", { from: "2026-12-01T22:00:00Z", to: "2026-12-02T02:00:00Z" });
   * ```
   */
  maintenance(name: string, options: MaintenanceOptions): void;
}

/**
 * Declares a monitoring module: a module file does `export default amstaff("Name", (m) => { ... })`.
 * With three arguments, `amstaff("Name", { defaults }, (m) => { ... })`, every monitor starts from
 * `defaults`: its own `timing`, `handlers`, `consecutive` and `timeout` replace the defaults', its own
 * `tags` are added to the defaults'.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { httpGet } from "@amstaff/sampler-http";
 * import { webhook } from "@amstaff/handler-webhook";
 *
 * export default amstaff("User Service", (m) => {
 *   m.monitor("Health-Check Failed", {
 *     sampler: httpGet({ url: "http://user-service/health" }),
 *     timing: every("30s"),
 *     handlers: [webhook({ url: "https://hooks.example.com/amstaff", headers: { authorization: secret("HOOK_TOKEN") } })],
 *     tags: ["production"],
 *   });
 * });
 * ```
 */
export function amstaff(name: string, build: (m: ModuleBuilder) => void): AmstaffModule;
/**
 * Declares a monitoring module whose monitors start from module-level `defaults` (here with a
 * timing, so monitors may leave theirs out).
 *
 * @example
 * ```ts
 * export default amstaff(
 *   "User Service",
 *   { defaults: { timing: every("1m"), handlers: [webhook({ url: "https://hooks.example.com/amstaff" })], tags: ["team8"] } },
 *   (m) => {
 *     m.monitor("Health", { sampler: httpGet({ url: "http://user-service/health" }) });
 *     m.monitor("Login", { sampler: httpGet({ url: "http://user-service/login" }), timing: every("5m"), tags: ["slow"] });
 *   },
 * );
 * ```
 */
export function amstaff(
  name: string,
  options: ModuleOptions & { defaults: MonitorDefaults & { timing: Schedule } },
  build: (m: ModuleBuilder<DefaultedMonitorOptions>) => void,
): AmstaffModule;
/**
 * Declares a monitoring module whose monitors start from module-level `defaults`.
 *
 * @example
 * ```ts
 * export default amstaff("User Service", { defaults: { tags: ["team8"], consecutive: 2 } }, (m) => {
 *   m.monitor("Health", { sampler: httpGet({ url: "http://user-service/health" }), timing: every("30s") });
 * });
 * ```
 */
export function amstaff(
  name: string,
  options: ModuleOptions,
  build: (m: ModuleBuilder) => void,
): AmstaffModule;
export function amstaff(
  name: string,
  optionsOrBuild: ModuleOptions | ((m: ModuleBuilder) => void),
  maybeBuild?: (m: ModuleBuilder<DefaultedMonitorOptions>) => void,
): AmstaffModule {
  const build = (typeof optionsOrBuild === "function" ? optionsOrBuild : maybeBuild) as
    | ((m: ModuleBuilder<DefaultedMonitorOptions>) => void)
    | undefined;
  if (typeof build !== "function") {
    throw new TypeError(`amstaff("${name}", ...) needs a build function: amstaff(name, (m) => { ... })`);
  }
  const defaults: MonitorDefaults =
    typeof optionsOrBuild === "object" && optionsOrBuild !== null ? { ...optionsOrBuild.defaults } : {};
  const monitors: AmstaffMonitor[] = [];
  const maintenance: AmstaffMaintenance[] = [];
  let open = true;
  const builder: ModuleBuilder<DefaultedMonitorOptions> = {
    monitor(monitorName, options) {
      if (!open) {
        throw new Error(`m.monitor("${monitorName}") was called after amstaff("${name}", ...) returned`);
      }
      const monitor: AmstaffMonitor = {
        name: monitorName,
        tags: [...new Set([...(defaults.tags ?? []), ...(options.tags ?? [])])],
        schedule: (options.timing ?? defaults.timing) as Schedule,
        sampler: options.sampler,
        handlers: [...(options.handlers ?? defaults.handlers ?? [])],
      };
      const p: PolicyOptions = options.policy ?? defaults.policy ?? {};
      monitor.handlers.push(...policyHandlers(p));
      const openRule = p.open;
      const consecutive =
        options.consecutive ??
        (openRule && "consecutive" in openRule ? openRule.consecutive : undefined) ??
        defaults.consecutive;
      const timeout = options.timeout ?? defaults.timeout;
      const renotify = options.renotify ?? p.renotify ?? defaults.renotify;
      if (consecutive !== undefined) monitor.consecutive = consecutive;
      if (timeout !== undefined) monitor.timeout = timeout;
      if (renotify !== undefined) monitor.renotify = renotify;
      if (openRule && "of" in openRule) monitor.open = { failures: openRule.failures, samples: openRule.of };
      if (openRule && "within" in openRule)
        monitor.open = { failures: openRule.failures, within: openRule.within };
      if (p.resolve !== undefined) monitor.resolve = p.resolve.consecutive;
      if (p.unknown !== undefined) monitor.unknown = p.unknown;
      if (p.flapping !== undefined) monitor.flapping = { ...p.flapping };
      if (options.dependsOn !== undefined) monitor.dependsOn = refNames(options.dependsOn, name, "dependsOn");
      monitors.push(monitor);
      return { module: name, name: monitorName } as MonitorRef;
    },
    maintenance(windowName, options) {
      if (!open) {
        throw new Error(`m.maintenance("${windowName}") was called after amstaff("${name}", ...) returned`);
      }
      const timing: AmstaffMaintenance["timing"] =
        "cron" in options
          ? {
              kind: "cron",
              expression: options.cron,
              duration: options.duration,
              ...(options.timezone !== undefined && { timezone: options.timezone }),
            }
          : { kind: "once", from: options.from, to: options.to };
      const scope: AmstaffMaintenance["scope"] = {};
      if (options.monitors !== undefined) scope.monitors = refNames(options.monitors, name, "monitors");
      if (options.tags !== undefined) scope.tags = [...options.tags];
      maintenance.push({ name: windowName, timing, scope });
    },
  };
  try {
    build(builder);
  } finally {
    open = false;
  }
  return { name, monitors, maintenance } as unknown as AmstaffModule;
}

/** The names of monitor references, checking they are references to monitors of this module. */
function refNames(refs: readonly MonitorRef[], module: string, field: string): string[] {
  return refs.map((ref) => {
    if (typeof ref !== "object" || ref === null || typeof ref.name !== "string") {
      throw new TypeError(`${field}: pass the references m.monitor(...) returns, not names`);
    }
    if (ref.module !== module) {
      throw new TypeError(
        `${field}: "${ref.name}" is a monitor of module "${ref.module}"; dependencies and windows stay within one module`,
      );
    }
    return ref.name;
  });
}

/**
 * A schedule that samples every fixed period (at least 1s). The type only accepts a number and a unit
 * (`ms`, `s`, `m`, `h`, `d`), so `every("30 minutes")` does not compile.
 *
 * @example
 * ```ts
 * timing: every("30s")
 * ```
 */
export function every(period: Duration): IntervalSchedule {
  return { kind: "interval", every: period };
}

/** Options of {@link cron}. */
export interface CronOptions {
  /**
   * The IANA time zone the expression is read in, e.g. `"Europe/Berlin"`.
   * @default "UTC"
   */
  timezone?: string | undefined;
}

/**
 * A schedule that samples at the times of a cron expression (5 fields, or 6 with seconds first).
 *
 * @example
 * ```ts
 * timing: cron("*\/5 * * * *", { timezone: "Europe/Berlin" })
 * ```
 */
export function cron(expression: string, options: CronOptions = {}): CronSchedule {
  return options.timezone === undefined
    ? { kind: "cron", expression }
    : { kind: "cron", expression, timezone: options.timezone };
}

/**
 * A reference to a secret by name. The module (and the replicated log) only ever holds the name; the
 * node that runs the sampler or handler reads the value from its secret store, if the module is granted
 * it (`AMSTAFF_SECRET_<NAME>` or a file in the secrets directory; never another environment variable).
 *
 * @example
 * ```ts
 * headers: { authorization: secret("HOOK_TOKEN") }
 * ```
 */
export function secret(name: string): SecretRef {
  return { $secret: name };
}
