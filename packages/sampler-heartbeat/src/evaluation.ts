import {
  type HeartbeatRecord,
  type JsonValue,
  parseDuration,
  results,
  type SampleResult,
} from "@amstaff/core";
import { nextExpectedAt, type ParsedHeartbeatSamplerOptions } from "./options.js";

/** When a heartbeat is judged: now, and since when its monitor has been watched (the first deadline's start). */
export interface HeartbeatClock {
  /** Now, in milliseconds since the epoch. */
  now: number;
  /** When the sampler was created: a monitor never pinged is late one period after it. */
  watchedSince: number;
}

const iso = (at: number) => new Date(at).toISOString();

/**
 * Judges a monitor's committed pings against its schedule. A fail ping newer than the last success is
 * `critical` at once; otherwise the monitor is `ok` until the next expected time after its last success,
 * `warning` (late) during the grace period, and `critical` after it. The value is the last run time
 * (start ping to success ping) when the job sends start pings.
 */
export function evaluateHeartbeat(
  options: ParsedHeartbeatSamplerOptions,
  record: HeartbeatRecord | undefined,
  clock: HeartbeatClock,
): SampleResult {
  const { now } = clock;
  const lastSuccess = record?.lastSuccessAt;
  const details: Record<string, JsonValue> = {};
  if (lastSuccess !== undefined) details.lastSuccessAt = lastSuccess;
  if (record?.lastStartAt !== undefined) details.lastStartAt = record.lastStartAt;
  if (record?.lastFailAt !== undefined) details.lastFailAt = record.lastFailAt;
  if (record?.exitCode !== undefined) details.exitCode = record.exitCode;
  if (record?.message !== undefined) details.message = record.message;
  const init = {
    timestamp: now,
    durationMs: 0,
    ...(record?.runMs === undefined ? {} : { value: record.runMs }),
    details,
  };
  const said = record?.message ? `: ${record.message.slice(0, 200)}` : "";

  const lastFail = record?.lastFailAt;
  if (lastFail !== undefined && lastFail >= (lastSuccess ?? Number.NEGATIVE_INFINITY)) {
    const code = record?.exitCode ? ` with exit code ${record.exitCode}` : "";
    return results.critical(`The job failed${code} at ${iso(lastFail)}${said}`, init);
  }

  const expectedAt = nextExpectedAt(options, lastSuccess ?? clock.watchedSince);
  details.expectedAt = expectedAt;
  const graceMs = parseDuration(options.grace);
  const since = lastSuccess === undefined ? "no ping yet" : `last ping at ${iso(lastSuccess)}`;
  const running =
    record?.lastStartAt !== undefined && record.lastStartAt > (lastSuccess ?? Number.NEGATIVE_INFINITY)
      ? `, running since ${iso(record.lastStartAt)}`
      : "";
  if (now <= expectedAt) {
    const ran = record?.runMs === undefined ? "" : `, last run took ${record.runMs} ms`;
    return results.ok(`Pinged in time (${since}${ran}${running})`, init);
  }
  if (now <= expectedAt + graceMs) {
    return results.warning(`Late: a ping was expected by ${iso(expectedAt)} (${since}${running})`, init);
  }
  return results.critical(
    `No ping: one was expected by ${iso(expectedAt)}, grace ${options.grace} over (${since}${running})`,
    init,
  );
}
