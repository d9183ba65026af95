import type {
  AlertState,
  Incident,
  MonitorDefinition,
  MonitorState,
  MonitorStatus,
  NotificationKind,
  PluginDescriptor,
  SampleResult,
  SampleStatus,
} from "@amstaff/core";
import type { Cron } from "croner";

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /**
   * When the virtual clock starts: an ISO 8601 date, milliseconds since the epoch, or a Date.
   * @default "2026-01-05T09:00:00Z" (a Monday morning)
   */
  start?: string | number | Date | undefined;
  /**
   * How often open incidents are checked for reminders and escalation stages, as on a server.
   * @default 5000
   */
  tickMs?: number | undefined;
  /**
   * Plugin descriptors to validate sampler and handler options with, as a server would. Without them
   * options are taken as written (the simulator never runs a sampler or a handler).
   * @default []
   */
  plugins?: readonly PluginDescriptor[] | undefined;
}

/** What a simulated sample returns: a status, or a result with a value and a message. */
export type SimulatedOutcome =
  | SampleStatus
  | (Partial<Omit<SampleResult, "timestamp">> & { status: SampleStatus });

/** One notification the server would have sent. */
export interface SimulatedNotification {
  /** When, on the virtual clock (ms since the epoch). */
  at: number;
  /** `at` as an ISO 8601 date. */
  time: string;
  /** Time since the simulation started, as `"+10m30s"`. */
  elapsed: string;
  monitor: string;
  /** The handler's position among the monitor's handlers (the policy's come after the monitor's own). */
  handler: number;
  plugin: string;
  options: unknown;
  kind: NotificationKind;
  /**
   * The status before. A resolve reads as the recovery of the whole incident: `from` is the worst
   * status the incident reached (also after flapping), never `ok`.
   */
  from: MonitorStatus;
  to: SampleStatus;
  /** The incident it belongs to. */
  incident: string;
  /**
   * For a grouping handler (`grouped()`): the group it is sent with, one of {@link Simulation.groups};
   * it goes out at the group's time, not at `at`.
   */
  group?: string | undefined;
}

/** A committed status change, sent or not. */
export interface SimulatedTransition {
  at: number;
  elapsed: string;
  monitor: string;
  from: MonitorStatus;
  to: SampleStatus;
  flapping: boolean;
  /** Why its alerts were held back (maintenance window, silence, failing dependency), if they were. */
  suppressed?: string | undefined;
  /** The handlers (by index) notified of it. */
  notified: number[];
}

/** Where a simulated monitor stands. */
export interface SimulatedStatus {
  status: MonitorStatus;
  since?: number | undefined;
  flapping: boolean;
  /** The open incident: its key, opening, worst status so far, and the acknowledgement that holds. */
  incident?: Incident | undefined;
  /** Why its alerts would be held back right now, if they would. */
  suppressed?: string | undefined;
}

/** One monitor of a {@link Simulation}: its definition, where it stands, what it samples next, and when. */
export interface SimulatedMonitor {
  definition: MonitorDefinition;
  state: MonitorState;
  alerts: AlertState;
  outcome: SimulatedOutcome;
  queue: SimulatedOutcome[];
  nextSampleAt: number;
  intervalMs?: number | undefined;
  cron?: Cron | undefined;
}
