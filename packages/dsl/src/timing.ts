import type { CronSchedule, Duration, IntervalSchedule } from "@amstaff/core";

// Only type imports from @amstaff/core: builders.ts, and so this file, is bundled into the compiler's
// sandbox, where it must stay tiny and must not pull in @amstaff/core's or zod's runtime.

/**
 * A schedule that samples every fixed period (at least 1s). The type only accepts a number and a unit
 * (`ms`, `s`, `m`, `h`, `d`), so `every("30 minutes")` does not compile.
 *
 * @example
 * ```ts
 * timing: every("30s")
 * ```
 */
export function every(period: Duration): IntervalSchedule {
  return { kind: "interval", every: period };
}

/** Options of {@link cron}. */
export interface CronOptions {
  /**
   * The IANA time zone the expression is read in, e.g. `"Europe/Berlin"`.
   * @default "UTC"
   */
  timezone?: string | undefined;
}

/**
 * A schedule that samples at the times of a cron expression (5 fields, or 6 with seconds first).
 *
 * @example
 * ```ts
 * timing: cron("*\/5 * * * *", { timezone: "Europe/Berlin" })
 * ```
 */
export function cron(expression: string, options: CronOptions = {}): CronSchedule {
  return options.timezone === undefined
    ? { kind: "cron", expression }
    : { kind: "cron", expression, timezone: options.timezone };
}
