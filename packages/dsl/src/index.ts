export type {
  CronSchedule,
  Duration,
  IntervalSchedule,
  PluginSpec,
  SampleStatus,
  Schedule,
  SecretRef,
} from "@amstaff/core";
export { amstaff, cron, every, grouped, notifyOn, only, policy, secret } from "./builders.js";
export type {
  GroupedHandler,
  GroupOptions,
  NotifyOnOptions,
  Route,
  RoutedHandler,
} from "./handlerRouting.js";
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
export type { CronOptions } from "./timing.js";
