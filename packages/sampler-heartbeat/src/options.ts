import { type Duration, isDuration, parseDuration } from "@amstaff/core";
import { Cron } from "croner";
import { z } from "zod";

/** The heartbeat plugin's id, also its npm package name. */
export const heartbeatPluginId = "@amstaff/sampler-heartbeat";

const duration = (what: string) =>
  z.custom<Duration>((value) => typeof value === "string" && isDuration(value), {
    error: `${what}: a duration like "30s", "5m" or "1h"`,
  });

function validCron(expression: string, timezone: string | undefined): boolean {
  try {
    // croner checks a time zone only when it computes a run.
    new Cron(expression, { paused: true, ...(timezone !== undefined && { timezone }) }).nextRun();
    return true;
  } catch {
    return false;
  }
}

/** The heartbeat sampler's options: when the job is expected to ping, and how late it may be. */
export const heartbeatSamplerOptionsSchema = z
  .strictObject({
    /**
     * The job pings at least this often (`"5m"`). Give `every` or `cron`, not both.
     * @default undefined
     */
    every: duration("every").optional(),
    /**
     * The job runs on this cron expression (5 or 6 fields, `"0 3 * * *"`) and pings when it finishes.
     * Give `every` or `cron`, not both.
     * @default undefined
     */
    cron: z.string().trim().min(1).optional(),
    /**
     * The IANA time zone of {@link cron}.
     * @default "UTC"
     */
    timezone: z.string().min(1).default("UTC"),
    /**
     * How long after the expected time a ping may still come: the monitor is `warning` (late) during the
     * grace period and `critical` after it.
     * @default "1m"
     */
    grace: duration("grace").default("1m"),
  })
  .superRefine((options, ctx) => {
    if ((options.every === undefined) === (options.cron === undefined)) {
      ctx.addIssue({ code: "custom", message: 'give exactly one of "every" and "cron"', path: ["every"] });
    }
    if (options.cron !== undefined && !validCron(options.cron, options.timezone)) {
      ctx.addIssue({
        code: "custom",
        message: 'an invalid cron expression or time zone (like "0 3 * * *" and "Europe/Paris")',
        path: ["cron"],
      });
    }
  });

/** The heartbeat sampler's options as a module file writes them. */
export type HeartbeatSamplerOptions = z.input<typeof heartbeatSamplerOptionsSchema>;

/** The heartbeat sampler's options once validated, defaults applied. */
export type ParsedHeartbeatSamplerOptions = z.output<typeof heartbeatSamplerOptionsSchema>;

/**
 * The first time after `after` (ms since the epoch) at which the job is expected to have pinged: one
 * period later, or the cron expression's next run.
 */
export function nextExpectedAt(options: ParsedHeartbeatSamplerOptions, after: number): number {
  if (options.every !== undefined) return after + parseDuration(options.every);
  const next = new Cron(options.cron ?? "", { paused: true, timezone: options.timezone }).nextRun(
    new Date(after),
  );
  return next ? next.getTime() : Number.POSITIVE_INFINITY;
}
