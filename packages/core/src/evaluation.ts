import type { FlappingRule, MonitorDefinition, OpenRule, UnknownPolicy } from "./moduleDefinition.js";
import type { SampleResult } from "./sampleResult.js";
import { isFailing, type MonitorStatus, type SampleStatus } from "./status.js";

/** How eagerly a monitor changes status: the sample-facing half of an alert policy. */
export interface EvaluationPolicy {
  /**
   * How many consecutive samples must report a new status before the monitor takes it. 1 reacts to
   * every change; 3 ignores a blip shorter than three samples. A healthy monitor counts any failing
   * samples in a row (warning, critical, unknown) and opens with the last one's status.
   * @default 1
   */
  consecutive?: number | undefined;
  /** Opens an incident on `failures` failing samples out of a window instead of `consecutive` in a row. */
  open?: OpenRule | undefined;
  /**
   * How many consecutive `ok` samples resolve an incident (hysteresis).
   * @default consecutive
   */
  resolve?: number | undefined;
  /**
   * What an `unknown` sample (the sampler could not tell) counts as; `ignore` skips the sample.
   * @default "unknown"
   */
  unknown?: UnknownPolicy | undefined;
  /** Flap detection; absent: none. */
  flapping?: FlappingRule | undefined;
}

/** The sample-facing half of a monitor's alert policy, as its definition gives it. */
export function evaluationPolicyOf(monitor: MonitorDefinition): EvaluationPolicy {
  return {
    consecutive: monitor.consecutive,
    open: monitor.open,
    resolve: monitor.resolve,
    unknown: monitor.unknown,
    flapping: monitor.flapping,
  };
}

/** One sample as the evaluation remembers it. */
export interface RecentSample {
  status: SampleStatus;
  at: number;
}

/** What a monitor remembers between samples. Plain data, so it can be stored and replicated. */
export interface MonitorState {
  /** The settled status. */
  status: MonitorStatus;
  /** When the settled status started; absent while `pending`. */
  since?: number | undefined;
  /** A different status that recent samples agree on, not yet confirmed by enough of them. */
  candidate?: { status: SampleStatus; count: number; since: number } | undefined;
  /** Whether the monitor is flapping. */
  flapping?: boolean | undefined;
  /** The latest samples, newest last, as far back as the open window and flap detection need. */
  recent?: readonly RecentSample[] | undefined;
}

/** A change found by {@link evaluate}: of status, of flapping, or both. */
export interface StatusChange {
  from: MonitorStatus;
  to: SampleStatus;
  since: number;
  previousSince?: number | undefined;
  /** Whether the monitor is flapping after this change. */
  flapping: boolean;
  result: SampleResult;
}

/** The state of a monitor that has not sampled yet. */
export const initialMonitorState: MonitorState = Object.freeze({ status: "pending" });

const nothingRecent: readonly RecentSample[] = Object.freeze([]);

/** At most this many samples are remembered for a time-based open window. */
const maxRecent = 1_000;

/** The status an `unknown` sample counts as under `policy`, or `undefined` when it is ignored. */
export function countedStatus(
  status: SampleStatus,
  policy: UnknownPolicy = "unknown",
): SampleStatus | undefined {
  if (status !== "unknown") return status;
  return policy === "ignore" ? undefined : policy;
}

/** The share of status changes between consecutive samples, from 0 (steady) to 1 (changes every time). */
export function changeRate(samples: readonly RecentSample[]): number {
  if (samples.length < 2) return 0;
  let changes = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i]!.status !== samples[i - 1]!.status) changes++;
  return changes / (samples.length - 1);
}

function remember(
  recent: readonly RecentSample[],
  sample: RecentSample,
  policy: EvaluationPolicy,
): readonly RecentSample[] {
  const count = Math.max(policy.open?.samples ?? 0, policy.flapping?.samples ?? 0);
  const withinMs = policy.open?.withinMs;
  // Most monitors remember nothing: one empty list for all of them, not a new one per sample.
  if (count === 0 && withinMs === undefined) return nothingRecent;
  const all = [...recent, sample];
  const byTime = withinMs === undefined ? [] : all.filter((s) => s.at > sample.at - withinMs);
  const keep = Math.min(maxRecent, Math.max(count, byTime.length));
  return all.slice(-keep);
}

/** Whether the open window is full enough: returns the first counted failure, or undefined. */
function openedByWindow(rule: OpenRule, recent: readonly RecentSample[], now: number): number | undefined {
  const window =
    rule.samples !== undefined
      ? recent.slice(-rule.samples)
      : recent.filter((s) => s.at > now - (rule.withinMs ?? 0));
  const failures = window.filter((s) => isFailing(s.status));
  return failures.length >= rule.failures ? failures[0]?.at : undefined;
}

/**
 * Whether `next` says what `state` says. A steady monitor's state then stays the same object: a copy per
 * sample would live until the next sample, long enough to be promoted to V8's old generation, at thousands
 * of samples a second.
 */
function unchanged(state: MonitorState, next: MonitorState): boolean {
  return (
    next.status === state.status &&
    next.since === state.since &&
    next.recent === state.recent &&
    next.candidate === state.candidate &&
    (next.flapping === true) === (state.flapping === true)
  );
}

/**
 * Folds one sample into a monitor's state. Pure: the same state, result and policy always give the
 * same answer.
 *
 * - A healthy (or pending) monitor opens with the latest failing sample's status once `open`'s window
 *   holds enough failures, or once `consecutive` failing samples came in a row.
 * - A failing monitor resolves after `resolve` consecutive `ok` samples, and moves between failing
 *   statuses (warning → critical) after `consecutive` samples of the new one.
 * - With `flapping`, a monitor whose share of changes among its last samples reaches `high` becomes
 *   flapping (and takes the latest sample's status), and stops at `low` or below. A change of the
 *   flapping flag is a change too, even when the status stays.
 *
 * A change dates from the first sample that counted toward it. A sample that changes nothing (a steady
 * monitor remembering no recent samples) gives back `state` itself.
 */
export function evaluate(
  state: MonitorState,
  result: SampleResult,
  policy: EvaluationPolicy = {},
): { state: MonitorState; change?: StatusChange } {
  const status = countedStatus(result.status, policy.unknown);
  if (status === undefined) return { state };
  const at = result.timestamp;
  const recent = remember(state.recent ?? [], { status, at }, policy);
  const consecutive = Math.max(1, Math.floor(policy.consecutive ?? 1));
  const healthy = !isFailing(state.status);

  let next: MonitorState = { status: state.status, since: state.since, recent };
  if (status !== state.status) {
    // A healthy monitor counts any failures in a row toward opening; otherwise only the same status.
    const streakKey = (s: SampleStatus) => (healthy && isFailing(s) ? "failing" : s);
    const candidate =
      state.candidate && streakKey(state.candidate.status) === streakKey(status)
        ? { status, count: state.candidate.count + 1, since: state.candidate.since }
        : { status, count: 1, since: at };
    let since: number | undefined;
    if (healthy && isFailing(status) && policy.open) {
      since = openedByWindow(policy.open, recent, at);
    } else {
      const needed = !healthy && status === "ok" ? (policy.resolve ?? consecutive) : consecutive;
      if (candidate.count >= needed) since = candidate.since;
    }
    next = since === undefined ? { ...next, candidate } : { status, since, recent };
  }

  let flapping = state.flapping === true;
  const rule = policy.flapping;
  if (!rule) flapping = false;
  else if (recent.length >= rule.samples) {
    const rate = changeRate(recent.slice(-rule.samples));
    if (!flapping && rate >= rule.high) flapping = true;
    else if (flapping && rate <= rule.low) flapping = false;
  }
  // Starting or stopping to flap settles on the latest sample: that is what the announcement shows.
  if (flapping !== (state.flapping === true) && next.status !== status) {
    next = { status, since: at, recent };
  }
  if (flapping) next.flapping = true;

  if (next.status === state.status && flapping === (state.flapping === true))
    return { state: unchanged(state, next) ? state : next };
  return {
    state: next,
    change: {
      from: state.status,
      to: next.status as SampleStatus,
      since: next.since ?? at,
      previousSince: state.since,
      flapping,
      result,
    },
  };
}
