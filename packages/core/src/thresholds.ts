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
