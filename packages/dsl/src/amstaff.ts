import type { PluginSpec, SampleStatus, Schedule } from "@amstaff/core";
import type {
  AmstaffMaintenance,
  AmstaffModule,
  AmstaffMonitor,
  DefaultedMonitorOptions,
  ModuleBuilder,
  ModuleOptions,
  MonitorDefaults,
  MonitorRef,
} from "./moduleTypes.js";
import type { PolicyOptions } from "./policy.js";

// Only type imports from @amstaff/core: builders.ts, and so this file, is bundled into the compiler's
// sandbox, where it must stay tiny and must not pull in @amstaff/core's or zod's runtime.

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
