import type { SampleResult } from "./sampleResult.js";
import type { MonitorStatus, SampleStatus } from "./status.js";

/** How eagerly a monitor changes status. */
export interface EvaluationPolicy {
  /**
   * How many consecutive samples must report a new status before the monitor takes it. 1 reacts to
   * every change; 3 ignores a blip shorter than three samples.
   * @default 1
   */
  consecutive?: number | undefined;
}

/** What a monitor remembers between samples. Plain data, so it can be stored and replicated. */
export interface MonitorState {
  /** The settled status. */
  status: MonitorStatus;
  /** When the settled status started; absent while `pending`. */
  since?: number | undefined;
  /** A different status that recent samples agree on, not yet confirmed by enough of them. */
  candidate?: { status: SampleStatus; count: number; since: number } | undefined;
}

/** A status change found by {@link evaluate}. */
export interface StatusChange {
  from: MonitorStatus;
  to: SampleStatus;
  since: number;
  previousSince?: number | undefined;
  result: SampleResult;
}

/** The state of a monitor that has not sampled yet. */
export const initialMonitorState: MonitorState = Object.freeze({ status: "pending" });

/**
 * Folds one sample into a monitor's state. Pure: the same state, result and policy always give the
 * same answer, which is what lets every node of a cluster agree on transitions.
 *
 * The status changes only once `consecutive` samples in a row report the same new status; the change
 * dates from the first of them.
 */
export function evaluate(
  state: MonitorState,
  result: SampleResult,
  policy: EvaluationPolicy = {},
): { state: MonitorState; change?: StatusChange } {
  const needed = Math.max(1, Math.floor(policy.consecutive ?? 1));
  if (result.status === state.status) {
    return { state: { status: state.status, since: state.since } };
  }
  const candidate =
    state.candidate?.status === result.status
      ? { ...state.candidate, count: state.candidate.count + 1 }
      : { status: result.status, count: 1, since: result.timestamp };
  if (candidate.count < needed) {
    return { state: { status: state.status, since: state.since, candidate } };
  }
  return {
    state: { status: candidate.status, since: candidate.since },
    change: {
      from: state.status,
      to: candidate.status,
      since: candidate.since,
      previousSince: state.since,
      result,
    },
  };
}
