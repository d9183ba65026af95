/**
 * The type names `@amstaff/dsl` exports. Module files are bundled with `verbatimModuleSyntax`, so a
 * plain `import { MonitorOptions } from "@amstaff/dsl"` survives; the sandbox's `@amstaff/dsl` exports
 * these names (as `undefined`) so that such an import does not fail. Kept in step with src/index.ts by
 * a test.
 */
export const dslTypeNames = [
  "AmstaffModule",
  "AmstaffMonitor",
  "CronOptions",
  "CronSchedule",
  "DefaultedMonitorOptions",
  "Duration",
  "IntervalSchedule",
  "ModuleBuilder",
  "ModuleOptions",
  "MonitorDefaults",
  "MonitorOptions",
  "MonitorRef",
  "PluginSpec",
  "Route",
  "RoutedHandler",
  "SampleStatus",
  "Schedule",
  "SecretRef",
] as const;
