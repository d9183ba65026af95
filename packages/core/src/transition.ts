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
  /** The status before. `pending` when the monitor had not settled yet. */
  from: MonitorStatus;
  /** The status now. */
  to: SampleStatus;
  /** When the new status started: the timestamp of the first sample that reported it. */
  since: number;
  /** When the previous status started, if it had. */
  previousSince?: number | undefined;
  /** The sample that completed the change. */
  result: SampleResult;
}
