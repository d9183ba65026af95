import { z } from "zod";
import type { SampleStatus } from "./status.js";

/** Warning and critical thresholds on a measured value. */
export interface Thresholds {
  /** The value at which the status becomes `warning`. */
  warning?: number | undefined;
  /** The value at which the status becomes `critical`. */
  critical?: number | undefined;
  /**
   * Whether values `above` the thresholds are bad (latency, error rate) or values `below` them
   * (free disk, throughput).
   * @default "above"
   */
  direction?: "above" | "below" | undefined;
}

/**
 * The status a value earns against thresholds, and the threshold it crossed. A value equal to a
 * threshold crosses it.
 */
export function checkThresholds(
  value: number,
  { warning, critical, direction = "above" }: Thresholds,
): { status: SampleStatus; threshold?: number } {
  const crosses = (threshold: number | undefined): threshold is number =>
    threshold !== undefined && (direction === "above" ? value >= threshold : value <= threshold);
  if (crosses(critical)) return { status: "critical", threshold: critical };
  if (crosses(warning)) return { status: "warning", threshold: warning };
  return { status: "ok" };
}

/**
 * Validates a sampler's `latency` option: thresholds in milliseconds, `warning` lower than `critical`, either
 * optional. Judge a measured latency against them with {@link checkThresholds}.
 *
 * @example
 * ```ts
 * const options = z.strictObject({ latency: latencyThresholdsSchema.optional() });
 * ```
 */
export const latencyThresholdsSchema = z
  .strictObject({
    /** Latency (ms) at which the result becomes `warning`. @default undefined */
    warning: z.number().positive().optional(),
    /** Latency (ms) at which the result becomes `critical`. @default undefined */
    critical: z.number().positive().optional(),
  })
  .refine(
    (t) => t.warning === undefined || t.critical === undefined || t.warning < t.critical,
    "warning must be lower than critical",
  );
