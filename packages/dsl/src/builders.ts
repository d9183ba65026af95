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

/** One monitor as recorded by {@link ModuleBuilder.monitor}: plain data. */
export interface AmstaffMonitor {
  name: string;
  tags: string[];
  schedule: Schedule;
  sampler: PluginSpec;
  handlers: PluginSpec[];
  consecutive?: number;
  timeout?: Duration;
  renotify?: Duration;
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
}

/** A handle on a declared monitor, for cross-references in future versions of the DSL. */
export interface MonitorRef {
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
}

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
      const consecutive = options.consecutive ?? defaults.consecutive;
      const timeout = options.timeout ?? defaults.timeout;
      const renotify = options.renotify ?? defaults.renotify;
      if (consecutive !== undefined) monitor.consecutive = consecutive;
      if (timeout !== undefined) monitor.timeout = timeout;
      if (renotify !== undefined) monitor.renotify = renotify;
      monitors.push(monitor);
      return { module: name, name: monitorName };
    },
  };
  try {
    build(builder);
  } finally {
    open = false;
  }
  return { name, monitors } as unknown as AmstaffModule;
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
 * node that runs the sampler or handler reads the value from its environment variable of that name.
 *
 * @example
 * ```ts
 * headers: { authorization: secret("HOOK_TOKEN") }
 * ```
 */
export function secret(name: string): SecretRef {
  return { $secret: name };
}
