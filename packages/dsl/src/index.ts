export type {
  CronSchedule,
  Duration,
  IntervalSchedule,
  PluginSpec,
  Schedule,
  SecretRef,
} from "@amstaff/core";
export type {
  AmstaffModule,
  AmstaffMonitor,
  CronOptions,
  DefaultedMonitorOptions,
  ModuleBuilder,
  ModuleOptions,
  MonitorDefaults,
  MonitorOptions,
  MonitorRef,
} from "./builders.js";
export { amstaff, cron, every, secret } from "./builders.js";
