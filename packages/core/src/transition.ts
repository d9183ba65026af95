import type { SampleResult } from "./sampleResult.js";
import type { MonitorStatus, SampleStatus } from "./status.js";

/**
 * A monitor changed status. Transitions are committed to the log before any handler runs, so this is
 * exactly what every handler of the monitor sees, on whichever node runs it.
 */
export interface Transition {
  /** Stable identifier, unique across the cluster: handlers derive their idempotency keys from it. */
  id: string;
  /** The module the monitor belongs to. */
  module: string;
  /** The monitor's name. */
  monitor: string;
  /** The monitor's tags. */
  tags: string[];
  /**
   * The status before. `pending` when the monitor had not settled yet. A resolve (a change to `ok`
   * that closes an incident) reads as the recovery of the whole incident: `from` is the worst status
   * the incident reached (`critical` for an incident that went warning → critical → warning → ok, and
   * for a monitor that flapped through `critical` and settled on `ok`), never `ok`.
   */
  from: MonitorStatus;
  /** The status now. */
  to: SampleStatus;
  /** When the new status started: the timestamp of the first sample that reported it. */
  since: number;
  /**
   * When the previous status started, if it had. On a resolve, when the incident opened: `since -
   * previousSince` is how long the incident lasted.
   */
  previousSince?: number | undefined;
  /** The sample that completed the change. */
  result: SampleResult;
  /**
   * The incident this change belongs to. An incident opens when a monitor starts failing, spans every
   * change between failing statuses (warning → critical), and closes when it is ok again. Its key is
   * stable for the incident's whole life: use it to group or deduplicate downstream (OpsGenie's alias,
   * a Slack thread).
   */
  incident?: Incident | undefined;
  /**
   * What this notification is:
   * - `transition`: the status changed (`from` → `to`); a change to `ok` is the incident's resolve;
   * - `reminder`: the incident is still open and unacknowledged (`from` and `to` are both the current
   *   status);
   * - `escalation`: the incident is still open, and this handler hears of it for the first time: it
   *   was an escalation stage (`after`) whose time came, or the alert was held back (maintenance, a
   *   silence, a failing dependency) and no longer is. Render it as a fresh alert;
   * - `flapping`: the monitor keeps changing status, so it is held in one announced flapping state
   *   instead of paging on every change; a `transition` follows once it settles;
   * - `acknowledged`: someone acknowledged the incident (`incident.acknowledged` says who); only handlers
   *   that opt in (`notifyOn: { acknowledged: true }`) and heard of the incident get it.
   * @default "transition"
   */
  kind?: NotificationKind | undefined;
  /** Set while the monitor is flapping (also on the `flapping` notification itself). */
  flapping?: boolean | undefined;
  /** A link to this monitor in the server's UI or API, when the server knows its public URL. */
  link?: string | undefined;
}

/** What a notification is about; see {@link Transition.kind}. */
export type NotificationKind = "transition" | "reminder" | "escalation" | "flapping" | "acknowledged";

/** A failing episode of one monitor, from its first failing sample to its recovery. */
export interface Incident {
  /** Stable for the incident's whole life, unique across the cluster. */
  key: string;
  /** When the monitor started failing. */
  openedAt: number;
  /**
   * Set while someone's acknowledgement holds. It covers the worst status the incident had reached
   * then (`status`); a change to a worse status ends it, and the incident needs a new one.
   */
  acknowledged?: { by: string; at: number; status?: SampleStatus | undefined } | undefined;
  /** The worst failing status the incident reached so far (absent when only flapping around `ok`). */
  worst?: SampleStatus | undefined;
}
