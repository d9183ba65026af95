import { describeError, parseDuration } from "@amstaff/core";
import { Cron } from "croner";
import { isRecord } from "./isRecord.js";

// What checkSchedule returns for a schedule it reported, so the schema does not report it again.
const fallbackSchedule = { kind: "interval", every: "1m" };

/** Turns a recorded maintenance window (durations, ISO dates) into its definition's shape (milliseconds). */
export function maintenanceWindow(window: unknown, error: (message: string) => void): unknown {
  if (!isRecord(window) || !isRecord(window.timing)) return window;
  const label = `maintenance window "${String(window.name)}"`;
  const { timing } = window;
  // Already in a definition's shape (a ModuleDefinition handed to the simulator): nothing to convert.
  if ("durationMs" in timing || typeof timing.from === "number") return window;
  if (timing.kind === "cron") {
    const { duration, ...rest } = timing;
    let durationMs = 0;
    try {
      durationMs = parseDuration(String(duration));
    } catch (cause) {
      error(`${label}: duration: ${describeError(cause)}`);
    }
    const checked = checkSchedule(
      { kind: "cron", expression: rest.expression, timezone: rest.timezone },
      (m) => error(`${label}: ${m.replace(/^timing: /, "")}`),
    );
    const valid = checked !== fallbackSchedule && durationMs > 0;
    return {
      ...window,
      timing: valid ? { ...rest, durationMs } : { kind: "cron", expression: "0 0 1 1 *", durationMs: 60_000 },
    };
  }
  const instant = (value: unknown, field: string): number | undefined => {
    const iso = /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/;
    const ms = typeof value === "string" && iso.test(value) ? Date.parse(value) : Number.NaN;
    if (!Number.isNaN(ms)) return ms;
    error(
      `${label}: ${field}: "${String(value)}" is not an ISO 8601 date with an offset, such as "2026-12-01T22:00:00Z"`,
    );
    return undefined;
  };
  const from = instant(timing.from, "from");
  const to = instant(timing.to, "to");
  // A date already reported stands in as a valid window, so it is not reported twice.
  return {
    ...window,
    timing:
      from === undefined || to === undefined ? { kind: "once", from: 0, to: 1 } : { kind: "once", from, to },
  };
}

/** Checks a recorded schedule's period or cron expression, reporting a bad one and standing in for it. */
export function checkSchedule(schedule: unknown, error: (message: string) => void): unknown {
  if (!isRecord(schedule)) return schedule;
  if (schedule.kind === "interval" && typeof schedule.every === "string") {
    try {
      parseDuration(schedule.every);
    } catch (cause) {
      error(`timing: ${describeError(cause)}`);
      return fallbackSchedule;
    }
  }
  if (schedule.kind === "cron" && typeof schedule.expression === "string") {
    const timezone = typeof schedule.timezone === "string" ? schedule.timezone : undefined;
    try {
      const job = new Cron(schedule.expression, { paused: true, ...(timezone && { timezone }) });
      const next = job.nextRun();
      job.stop();
      if (next === null) {
        error(`timing: cron expression "${schedule.expression}" never matches a date`);
        return fallbackSchedule;
      }
    } catch (cause) {
      const what =
        timezone === undefined
          ? `"${schedule.expression}"`
          : `"${schedule.expression}" (time zone "${timezone}")`;
      error(`timing: invalid cron expression ${what}: ${describeError(cause)}`);
      return fallbackSchedule;
    }
  }
  return schedule;
}

/**
 * A handler's `group` as written (`{ by, wait: "30s", interval: "5m" }`) as stored (`waitMs`,
 * `intervalMs`); the module schema checks the result and applies the defaults.
 */
export function handlerGroup(
  group: unknown,
  duration: (value: unknown, field: string) => number | undefined,
): unknown {
  if (!isRecord(group)) return group;
  const { wait, interval, ...rest } = group;
  return {
    ...rest,
    ...(wait !== undefined && { waitMs: duration(wait, "group.wait") }),
    ...(interval !== undefined && { intervalMs: duration(interval, "group.interval") }),
  };
}
