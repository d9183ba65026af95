import {
  describeError,
  type ModuleDefinition,
  moduleDefinitionSchema,
  type PluginDescriptor,
  type PluginHost,
  type PluginSpec,
  parseDuration,
  parsePluginOptions,
  pluginSpecSchema,
  type SecretCheck,
  secretNames,
} from "@amstaff/core";
import { isRecord } from "./isRecord.js";
import {
  failedSpec,
  isPlaceholder,
  optionIssues,
  pluginProblems,
  type ResolvedCall,
} from "./pluginSpecChecks.js";
import { checkSchedule, handlerGroup, maintenanceWindow } from "./recordedTiming.js";
import type { SandboxSuccess } from "./sandboxOutput.js";
import type { SourceLocator, SourcePosition } from "./sourceLocation.js";

/** Fields a definition names differently from the module file, so errors use the module file's name. */
const fieldNames: Record<string, string> = {
  schedule: "timing",
  timeoutMs: "timeout",
  renotifyMs: "renotify",
};

/** What a module is checked against beyond its plugins' schemas. */
export interface ValidateOptions {
  /** Who may use which secret (the server's store and grants), and the pushing module's team. */
  secrets?: { check: SecretCheck; team?: string | undefined } | undefined;
  /** Accept `{ plugin, options }` specs of plugins not in `plugins` as they are (the offline simulator). */
  anyPlugin?: boolean;
  /** What this node lets plugins reach, for their `check` hooks; absent: plugins are not checked. */
  host?: PluginHost | undefined;
}

/** Turns the sandbox's output into a validated {@link ModuleDefinition}, or errors located in the source. */
export function validateModule(
  output: SandboxSuccess,
  plugins: readonly PluginDescriptor[],
  locator: Pick<SourceLocator, "fromStack">,
  report: (position: SourcePosition, message: string) => void,
  { secrets, anyPlugin = false, host }: ValidateOptions = {},
): ModuleDefinition | undefined {
  let failed = false;
  const error = (position: SourcePosition, message: string) => {
    failed = true;
    report(position, message);
  };
  const byPackage = new Map<string, PluginDescriptor>();
  const byId = new Map<string, PluginDescriptor>();
  for (const plugin of plugins) {
    if (!byPackage.has(plugin.package)) byPackage.set(plugin.package, plugin);
    if (!byId.has(plugin.id)) byId.set(plugin.id, plugin);
  }
  const modulePosition = locator.fromStack(output.stack) ?? { line: 1, column: 1 };
  const moduleName = isRecord(output.module) ? String(output.module.name) : "";

  const checkOptions = (
    descriptor: PluginDescriptor,
    spec: PluginSpec,
    label: string,
    at: SourcePosition,
  ) => {
    let options: unknown;
    try {
      options = parsePluginOptions(descriptor, spec.options);
    } catch (cause) {
      error(at, `invalid options for ${label}: ${optionIssues(cause)}`);
      return undefined;
    }
    // A secret the module may not use would fail at 3 a.m., at the first delivery: refuse it now.
    for (const name of secrets === undefined ? [] : secretNames(options)) {
      const granted = secrets?.check(name, { module: moduleName, team: secrets.team });
      if (granted?.ok === false) error(at, `${label}: ${granted.reason}`);
    }
    for (const problem of pluginProblems(descriptor, options, host)) error(at, `${label}: ${problem}`);
    return { plugin: spec.plugin, options };
  };

  const calls = output.calls.map((call): ResolvedCall | undefined => {
    const at = locator.fromStack(call.stack) ?? modulePosition;
    const label = `${call.name}()`;
    const descriptor = byPackage.get(call.package);
    const builder =
      descriptor && Object.hasOwn(descriptor.builders, call.name)
        ? descriptor.builders[call.name]
        : undefined;
    if (descriptor === undefined || builder === undefined) {
      error(at, `${label} is not a builder of an installed plugin`);
      return undefined;
    }
    if (call.problem !== undefined || call.args === null) {
      error(at, `${label}: ${call.problem ?? "its arguments are not plain data"}`);
      return undefined;
    }
    let spec: unknown;
    try {
      spec = builder(...call.args);
    } catch (cause) {
      error(at, `${label} refused its arguments: ${describeError(cause)}`);
      return undefined;
    }
    const envelope = pluginSpecSchema.safeParse(spec);
    if (!envelope.success) {
      error(
        at,
        `${label} of ${descriptor.package} did not return a { plugin, options } spec; report this to the plugin's authors`,
      );
      return undefined;
    }
    const checked = checkOptions(descriptor, envelope.data as PluginSpec, label, at);
    return checked && { kind: descriptor.kind, spec: checked };
  });

  const resolveSpec = (
    value: unknown,
    kind: PluginDescriptor["kind"],
    field: string,
    at: SourcePosition,
  ): unknown => {
    if (isPlaceholder(value)) {
      if (!Object.hasOwn(calls, value.$amstaffCall)) return value;
      const call = calls[value.$amstaffCall];
      if (call === undefined) return failedSpec;
      if (call.kind !== kind) {
        const name = output.calls[value.$amstaffCall]?.name ?? "it";
        error(at, `${field}: ${name}() makes a ${call.kind}, but ${field} takes a ${kind}`);
        return failedSpec;
      }
      return call.spec;
    }
    // A spec written out by hand, `{ plugin, options }`, is accepted for an installed plugin.
    if (isRecord(value) && typeof value.plugin === "string") {
      const descriptor = byId.get(value.plugin);
      if (descriptor === undefined && anyPlugin) return value;
      if (descriptor === undefined || descriptor.kind !== kind) {
        error(at, `${field}: no ${kind} plugin "${value.plugin}" is installed on this server`);
        return failedSpec;
      }
      return (
        checkOptions(descriptor, value as unknown as PluginSpec, `${field} (${value.plugin})`, at) ??
        failedSpec
      );
    }
    return value;
  };

  const withNotifyOn = (spec: unknown): unknown => {
    if (!isRecord(spec) || spec.notifyOn !== undefined || typeof spec.plugin !== "string") return spec;
    const descriptor = byId.get(spec.plugin);
    return descriptor?.kind === "handler" && descriptor.notifyOn
      ? { ...spec, notifyOn: descriptor.notifyOn }
      : spec;
  };

  const reported = new Set<string>();
  const raw = output.module;
  const candidate: unknown =
    isRecord(raw) && Array.isArray(raw.monitors)
      ? {
          ...raw,
          monitors: raw.monitors.map((monitor, i) => {
            if (!isRecord(monitor)) return monitor;
            const at = locator.fromStack(output.monitorStacks[i] ?? "") ?? modulePosition;
            const label = `monitor "${String(monitor.name)}"`;
            const { timeout, renotify, schedule, sampler, handlers, open, ...rest } = monitor;
            const duration = (value: unknown, field: string): number | undefined => {
              try {
                return parseDuration(String(value));
              } catch (cause) {
                error(at, `${label}: ${field}: ${describeError(cause)}`);
                return undefined;
              }
            };
            const result: Record<string, unknown> = {
              ...rest,
              schedule: checkSchedule(schedule, (message) => {
                reported.add(`${i}.schedule`);
                error(at, `${label}: ${message}`);
              }),
              sampler: resolveSpec(sampler, "sampler", `${label}: sampler`, at),
              handlers: Array.isArray(handlers)
                ? handlers.map((h, j) => {
                    // `only(handler, route)` adds `on` beside the handler's spec (or its placeholder),
                    // a policy's escalation stage adds `after`.
                    // `grouped(handler, options)` adds `group`; a plugin may opt its handlers into
                    // more notifications (`notifyOn`) unless the module says otherwise.
                    if (!isRecord(h) || !("on" in h || "after" in h || "group" in h || "notifyOn" in h))
                      return withNotifyOn(resolveSpec(h, "handler", `${label}: handlers.${j}`, at));
                    const { on, after, group, notifyOn, ...handler } = h;
                    const spec = resolveSpec(handler, "handler", `${label}: handlers.${j}`, at);
                    if (!isRecord(spec)) return spec;
                    const afterMs = after === undefined ? undefined : duration(after, "escalate.after");
                    return withNotifyOn({
                      ...spec,
                      ...(on !== undefined && { on }),
                      ...(afterMs !== undefined && { afterMs }),
                      ...(group !== undefined && { group: handlerGroup(group, duration) }),
                      ...(notifyOn !== undefined && { notifyOn }),
                    });
                  })
                : handlers,
            };
            if (isRecord(open)) {
              const { within, ...rule } = open;
              result.open =
                within === undefined ? rule : { ...rule, withinMs: duration(within, "open.within") ?? 0 };
            } else if (open !== undefined) {
              result.open = open;
            }
            if (renotify !== undefined) result.renotifyMs = duration(renotify, "renotify");
            if (timeout !== undefined) result.timeoutMs = duration(timeout, "timeout");
            return result;
          }),
          ...(Array.isArray(raw.maintenance) && {
            maintenance: raw.maintenance.map((window, i) =>
              maintenanceWindow(window, (message) =>
                error(locator.fromStack(output.maintenanceStacks?.[i] ?? "") ?? modulePosition, message),
              ),
            ),
          }),
        }
      : raw;

  const parsed = moduleDefinitionSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [first, index, field, ...more] = issue.path;
      if (first === "maintenance" && typeof index === "number") {
        const window = isRecord(raw) && Array.isArray(raw.maintenance) ? raw.maintenance[index] : undefined;
        const at = locator.fromStack(output.maintenanceStacks?.[index] ?? "") ?? modulePosition;
        const name = isRecord(window) ? String(window.name) : `#${index + 1}`;
        const path = [field, ...more]
          .filter((p) => p !== undefined)
          .map(String)
          .join(".");
        error(at, `maintenance window "${name}": ${path ? `${path}: ` : ""}${issue.message}`);
      } else if (first === "monitors" && typeof index === "number") {
        if (reported.has(`${index}.${String(field)}`)) continue;
        const monitor = isRecord(raw) && Array.isArray(raw.monitors) ? raw.monitors[index] : undefined;
        const at = locator.fromStack(output.monitorStacks[index] ?? "") ?? modulePosition;
        const name = isRecord(monitor) ? String(monitor.name) : `#${index + 1}`;
        const path =
          field === undefined ? [] : [fieldNames[String(field)] ?? String(field), ...more.map(String)];
        error(at, `monitor "${name}": ${path.length > 0 ? `${path.join(".")}: ` : ""}${issue.message}`);
      } else {
        const path = issue.path.map(String).join(".");
        error(modulePosition, `module: ${path ? `${path}: ` : ""}${issue.message}`);
      }
    }
    return undefined;
  }
  return failed ? undefined : parsed.data;
}
