// The public authoring API, one concept per file. Every file re-exported here is also bundled into the
// compiler's sandbox, where it must stay tiny: they only import types from @amstaff/core, never its or
// zod's runtime. The compiler lets module files import exactly this module's runtime exports.

export { amstaff } from "./amstaff.js";
export type {
  GroupedHandler,
  GroupOptions,
  NotifyOnOptions,
  Route,
  RoutedHandler,
} from "./handlerRouting.js";
export { grouped, notifyOn, only } from "./handlerRouting.js";
export type {
  AmstaffMaintenance,
  AmstaffModule,
  AmstaffMonitor,
  DefaultedMonitorOptions,
  MaintenanceOptions,
  MaintenanceTiming,
  ModuleBuilder,
  ModuleOptions,
  MonitorDefaults,
  MonitorOptions,
  MonitorRef,
} from "./moduleTypes.js";
export type { FlappingOptions, Policy, PolicyOptions, UnknownMeaning } from "./policy.js";
export { policy } from "./policy.js";
export { secret } from "./secret.js";
export type { CronOptions } from "./timing.js";
export { cron, every } from "./timing.js";
