import type { Duration, PluginSpec, Schedule } from "@amstaff/core";
import type { GroupOptions, NotifyOnOptions, Route } from "./handlerRouting.js";
import type { FlappingOptions, Policy, UnknownMeaning } from "./policy.js";

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
