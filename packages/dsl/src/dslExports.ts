/**
 * The type names `@amstaff/dsl` exports. Module files are bundled with `verbatimModuleSyntax`, so a
 * plain `import { MonitorOptions } from "@amstaff/dsl"` survives; the sandbox's `@amstaff/dsl` exports
 * these names (as `undefined`) so that such an import does not fail. Kept in step with src/index.ts by
 * a test.
 */
export const dslTypeNames = [
  "AmstaffMaintenance",
  "AmstaffModule",
  "AmstaffMonitor",
  "CronOptions",
  "CronSchedule",
  "DefaultedMonitorOptions",
  "Duration",
  "FlappingOptions",
  "GroupedHandler",
  "GroupOptions",
  "IntervalSchedule",
  "MaintenanceOptions",
  "MaintenanceTiming",
  "ModuleBuilder",
  "ModuleOptions",
  "MonitorDefaults",
  "MonitorOptions",
  "MonitorRef",
  "NotifyOnOptions",
  "PluginSpec",
  "Policy",
  "PolicyOptions",
  "Route",
  "RoutedHandler",
  "SampleStatus",
  "Schedule",
  "SecretRef",
  "UnknownMeaning",
] as const;
