export type {
  CronSchedule,
  Duration,
  IntervalSchedule,
  PluginSpec,
  SampleStatus,
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
  Route,
  RoutedHandler,
} from "./builders.js";
export { amstaff, cron, every, only, secret } from "./builders.js";
