// Type-only and import-free: the browser code (dashboard/src/types.ts) shares it. `s` spells out
// MonitorStatus, so a new status fails the server's build where rows are made, not the page at run time.

/**
 * One monitor as the overview shows it: short keys, because the overview of 10,000 monitors is one
 * response and every live change is one of these.
 */
export interface OverviewRow {
  /** Module. */
  m: string;
  /** Monitor. */
  n: string;
  /** Status. */
  s: "ok" | "warning" | "critical" | "unknown" | "pending";
  /** Since when (ms since the epoch), null before the first transition. */
  since: number | null;
  tags: string[];
  /** Latency of the last probe this node ran, in ms. */
  lat: number | null;
  /** Value of the last probe, when its sampler measures one other than the latency (HTTP's would repeat `lat`). */
  v: number | null;
  /** When the last probe ran. */
  run: number | null;
  /** The last result's message, only while the monitor is failing (kept out of healthy rows to stay small). */
  msg?: string;
  /** Whether the open incident is acknowledged. */
  ack?: boolean;
  /** Set while the monitor is flapping. */
  flap?: true;
  /** Why its alerts are held back now (maintenance window, silence, failing dependency), if they are. */
  sup?: string;
  /**
   * The last samples this node took (at most 30), oldest first, as one letter each: `o`k, `w`arning,
   * `c`ritical, `u`nknown. Absent when this node has not run the monitor since it started.
   */
  hs?: string;
  /**
   * Their latencies, in whole milliseconds (the sparkline). Their times and messages are not in the row
   * (they would double the overview of 50,000 monitors): `GET /modules/:m/monitors/:n/recent` has them.
   */
  hl?: number[];
  /** Uptime over the last 24 hours (ok or warning samples over those that were not unknown), 0–1. */
  u24?: number | null;
  /** Uptime over the last 30 days, 0–1. */
  u30?: number | null;
  /** The monitor is gone (in a `changes` event). */
  gone?: true;
}
