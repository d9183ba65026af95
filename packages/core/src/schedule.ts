import { z } from "zod";
import { AmstaffError } from "./errors.js";

/** The units a {@link Duration} can use: milliseconds, seconds, minutes, hours, days. */
export type DurationUnit = "ms" | "s" | "m" | "h" | "d";

/**
 * A duration written the way people say it: `"500ms"`, `"30s"`, `"5m"`, `"1h"`, `"1d"`.
 * The type rejects anything else at compile time, so `every("30 minutes")` does not type-check.
 */
export type Duration = `${number}${DurationUnit}`;

const unitMs: Record<DurationUnit, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Parses a {@link Duration} into milliseconds.
 * @throws AmstaffError `AMS_ERR_SCHEDULE_DURATION` for anything but a positive number and a unit.
 */
export function parseDuration(text: string): number {
  const match = durationPattern.exec(text);
  const ms = match ? Number(match[1]) * unitMs[match[2] as DurationUnit] : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0 || !Number.isInteger(ms)) {
    throw new AmstaffError(
      "AMS_ERR_SCHEDULE_DURATION",
      `Invalid duration "${text}": write a whole number of milliseconds or more with a unit, like "500ms", "30s", "5m", "1h" or "1d".`,
    );
  }
  return ms;
}

/**
 * Whether {@link parseDuration} accepts `text`: for option schemas, e.g.
 * `z.string().refine(isDuration, 'a duration like "10s" or "500ms"')`.
 */
export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

/** Runs a sampling every fixed period. */
export interface IntervalSchedule {
  kind: "interval";
  /** The period, e.g. `"30s"`; {@link parseDuration} gives it in milliseconds. */
  every: Duration;
}

/** Runs a sampling at the times of a cron expression (5 or 6 fields, seconds optional). */
export interface CronSchedule {
  kind: "cron";
  /** The expression, e.g. `"*\/5 * * * *"`. */
  expression: string;
  /** An IANA time zone for the expression. @default "UTC" */
  timezone?: string | undefined;
}

/** When a monitor samples: at a fixed interval or on a cron schedule. */
export type Schedule = IntervalSchedule | CronSchedule;

/** The shortest interval a monitor may use. Faster probing is load testing, not monitoring. */
export const minimumIntervalMs = 1_000;

/** Interval schedules as parsed so far, one frozen object per period (most monitors share a few). */
const intervals = new Map<string, IntervalSchedule>();

/**
 * The one object of an interval schedule, shared by every monitor that samples at that period: a parse
 * makes one per monitor (56 bytes each, on every node). Past 1,000 periods (never, in practice) a schedule
 * is kept as given.
 */
export function sharedInterval(schedule: IntervalSchedule): IntervalSchedule {
  const known = intervals.get(schedule.every);
  if (known !== undefined) return known;
  if (intervals.size >= 1_000) return schedule;
  const shared = Object.freeze({ kind: schedule.kind, every: schedule.every });
  intervals.set(schedule.every, shared);
  return shared;
}

/** Validates a {@link Schedule} (cron expressions are checked for shape here, fully by the scheduler). */
export const scheduleSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("interval"),
      every: z
        .templateLiteral([z.number().positive(), z.enum(["ms", "s", "m", "h", "d"])], {
          error: 'a duration like "30s", "5m" or "1h"',
        })
        .refine((every) => durationPattern.test(every) && parseDuration(every) >= minimumIntervalMs, {
          error: `a whole number of milliseconds, at least ${minimumIntervalMs / 1000}s`,
        }),
    })
    .overwrite(sharedInterval),
  z.object({
    kind: z.literal("cron"),
    expression: z
      .string()
      .trim()
      .refine((e) => [5, 6].includes(e.split(/\s+/).length), "a cron expression has 5 or 6 fields"),
    timezone: z.string().optional(),
  }),
]);
