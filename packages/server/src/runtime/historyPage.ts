import { type SampleStatus, sampleStatuses } from "@amstaff/core";
import { addRow, type RollupRow } from "./openBuckets.js";

// What a monitor's history query answers (`SampleHistory.query`, `GET .../samples`), and how it is made of
// the stored rows.

/** One sample as the history keeps it. */
export interface HistorySample {
  /** When the probe started (ms since the epoch). */
  t: number;
  status: SampleStatus;
  /** How long the probe took. */
  latencyMs: number;
  /** The sampler's measured value, when it measures one. */
  value?: number;
  /** The result's message, cut to 300 characters; kept for samples that are not `ok`. */
  message?: string;
}

/** Minimum, average and maximum of a measure over a bucket. */
export interface HistoryRange {
  min: number;
  avg: number;
  max: number;
}

/** The samples of one monitor in a 5-minute bucket. */
export interface HistoryBucket {
  /** The bucket's start (ms since the epoch, a multiple of 5 minutes). */
  t: number;
  count: number;
  statuses: Record<SampleStatus, number>;
  latencyMs: HistoryRange;
  /** Over the samples that had a value; absent when none had. */
  value?: HistoryRange;
}

/** What `SampleHistory.query` returns. */
export type HistoryPage =
  | { resolution: "raw"; samples: HistorySample[] }
  | { resolution: "5m"; buckets: HistoryBucket[] };

/** A row of `history_samples` as the query reads it. */
export interface SampleRow {
  t: number;
  status: number;
  latency_ms: number;
  value: number | null;
  message: string | null;
}

/** A raw sample of the answer. */
export function historySample(r: SampleRow): HistorySample {
  return {
    t: r.t,
    status: sampleStatuses[r.status] ?? "unknown",
    latencyMs: r.latency_ms,
    ...(r.value === null ? {} : { value: r.value }),
    ...(r.message === null ? {} : { message: r.message }),
  };
}

/** A 5-minute bucket of the answer, from its summary row (written, or open with the written one added). */
export function historyBucket(r: RollupRow): HistoryBucket {
  return {
    t: r.bucket,
    count: r.count,
    statuses: { ok: r.ok, warning: r.warning, critical: r.critical, unknown: r.unknown },
    latencyMs: { min: r.lat_min, avg: r.lat_sum / r.count, max: r.lat_max },
    ...(r.val_count === 0 || r.val_min === null || r.val_max === null
      ? {}
      : { value: { min: r.val_min, avg: r.val_sum / r.val_count, max: r.val_max } }),
  };
}

/**
 * A series' 5-minute buckets as written (`written`) with its open ones (`open`, still being counted in
 * memory) added: one row per bucket, oldest first. The written rows are changed in place.
 */
export function withOpenBuckets(written: RollupRow[], open: RollupRow[]): RollupRow[] {
  if (open.length === 0) return written;
  const byBucket = new Map(written.map((row) => [row.bucket, row]));
  for (const row of open) {
    const stored = byBucket.get(row.bucket);
    if (stored) addRow(stored, row);
    else byBucket.set(row.bucket, { ...row });
  }
  return [...byBucket.values()].sort((a, b) => a.bucket - b.bucket);
}
