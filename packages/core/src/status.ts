/** The statuses a sample can report, from best to worst. */
export const sampleStatuses = ["ok", "warning", "critical", "unknown"] as const;

/**
 * The outcome of one probe.
 * - `ok`: the target is healthy;
 * - `warning`: degraded, a human should look soon;
 * - `critical`: broken, a human should act now;
 * - `unknown`: the sampler could not tell (it timed out, was misconfigured, or crashed).
 */
export type SampleStatus = (typeof sampleStatuses)[number];

/**
 * The status of a monitor: a {@link SampleStatus}, or `pending` before it has settled on one.
 */
export type MonitorStatus = SampleStatus | "pending";

const severity: Record<MonitorStatus, number> = { pending: 0, ok: 1, unknown: 2, warning: 3, critical: 4 };

/** Orders statuses by how bad they are: `critical` > `warning` > `unknown` > `ok` > `pending`. */
export function compareStatus(a: MonitorStatus, b: MonitorStatus): number {
  return severity[a] - severity[b];
}

/** The worst of several statuses; `ok` for none. */
export function worstStatus(statuses: Iterable<SampleStatus>): SampleStatus {
  let worst: SampleStatus = "ok";
  for (const status of statuses) if (compareStatus(status, worst) > 0) worst = status;
  return worst;
}

/** Whether a status means something is wrong (anything but `ok` and `pending`). */
export function isFailing(status: MonitorStatus): boolean {
  return status !== "ok" && status !== "pending";
}
