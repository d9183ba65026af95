import type Database from "better-sqlite3";
import { BucketColumns } from "./bucketColumns.js";
import { DailySummary, type DayCounts, dayMs, dayOf } from "./dailyUptime.js";

/** The width of a downsampled bucket: 5 minutes. */
export const historyBucketMs = 300_000;

/** The start of the 5-minute bucket a time falls in. */
export const bucketOf = (t: number): number => Math.floor(t / historyBucketMs) * historyBucketMs;

/** One monitor's samples in one 5-minute bucket, as `history_rollup` keeps them. */
export interface RollupRow {
  series: number;
  bucket: number;
  count: number;
  ok: number;
  warning: number;
  critical: number;
  unknown: number;
  lat_min: number;
  lat_sum: number;
  lat_max: number;
  val_count: number;
  val_min: number | null;
  val_sum: number;
  val_max: number | null;
}

/** A sample as it is folded into its bucket: `status` is the index in `sampleStatuses`. */
export interface FoldedSample {
  t: number;
  status: number;
  latencyMs: number;
  value: number | null;
}

/** Buckets by start, then by series. */
export type BucketGroups = Map<number, Map<number, RollupRow>>;

const statusNames = ["ok", "warning", "critical", "unknown"] as const;
const markerKey = "open_buckets_from";
const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/** Adds one sample to its series' bucket in `groups`. */
export function foldSample(groups: BucketGroups, series: number, sample: FoldedSample): void {
  const bucket = bucketOf(sample.t);
  let group = groups.get(bucket);
  if (!group) {
    group = new Map();
    groups.set(bucket, group);
  }
  const row = group.get(series);
  if (!row) {
    group.set(series, sampleRow(series, bucket, sample));
    return;
  }
  row.count++;
  row[statusNames[sample.status] ?? "unknown"]++;
  row.lat_min = Math.min(row.lat_min, sample.latencyMs);
  row.lat_sum += sample.latencyMs;
  row.lat_max = Math.max(row.lat_max, sample.latencyMs);
  if (sample.value !== null) {
    row.val_count++;
    row.val_min = minOf(row.val_min, sample.value);
    row.val_sum += sample.value;
    row.val_max = maxOf(row.val_max, sample.value);
  }
}

function sampleRow(series: number, bucket: number, s: FoldedSample): RollupRow {
  const name = statusNames[s.status] ?? "unknown";
  return {
    series,
    bucket,
    count: 1,
    ok: name === "ok" ? 1 : 0,
    warning: name === "warning" ? 1 : 0,
    critical: name === "critical" ? 1 : 0,
    unknown: name === "unknown" ? 1 : 0,
    lat_min: s.latencyMs,
    lat_sum: s.latencyMs,
    lat_max: s.latencyMs,
    val_count: s.value === null ? 0 : 1,
    val_min: s.value,
    val_sum: s.value ?? 0,
    val_max: s.value,
  };
}

/** Adds `more` (the same series and bucket) into `into`: what the rollup's upsert does in SQL. */
export function addRow(into: RollupRow, more: RollupRow): void {
  into.count += more.count;
  for (const s of statusNames) into[s] += more[s];
  into.lat_min = Math.min(into.lat_min, more.lat_min);
  into.lat_sum += more.lat_sum;
  into.lat_max = Math.max(into.lat_max, more.lat_max);
  into.val_count += more.val_count;
  into.val_min = minOf(into.val_min, more.val_min);
  into.val_sum += more.val_sum;
  into.val_max = maxOf(into.val_max, more.val_max);
}

/**
 * The 5-minute buckets (and so the days) still filling up, kept in memory: folding every sample into
 * `history_rollup` and `history_daily` as it is written cost two upserts per sample, most of the CPU of
 * the history at thousands of samples a second. A bucket is written once, `graceMs` after it ends (late
 * samples, those of long probes, still find it open), or at close; a sample later still is folded into a
 * fresh open bucket of its own, written on the next flush. Readers merge {@link buckets}/{@link days}.
 * Each open bucket keeps its rows as columns by series slot (`bucketColumns.ts`); a series keeps its slot
 * while one of its buckets is open.
 *
 * Crash safety without extra writes per sample: the raw samples are the truth. Every write transaction
 * keeps `history_meta.open_buckets_from` at the oldest open bucket; on open, the buckets from there on
 * are recomputed from `history_samples` (and the days adjusted by the difference), so a crash loses no
 * sample that reached the disk.
 */
export class OpenBuckets {
  readonly #daily: DailySummary;
  readonly #graceMs: number;
  /** The open buckets by start, in the order they opened. */
  readonly #open = new Map<number, BucketColumns>();
  /** Each series' slot in the buckets' columns, while one of its buckets is open. */
  readonly #slots = new Map<number, number>();
  /** The series of each slot in use. */
  readonly #seriesOf: number[] = [];
  readonly #free: number[] = [];
  /** The oldest open bucket as the database knows it; undefined when none is open. */
  #marker: number | undefined;
  readonly #statements: ReturnType<typeof prepare>;

  constructor(db: Database.Database, graceMs: number) {
    this.#graceMs = graceMs;
    this.#daily = new DailySummary(db);
    db.exec("CREATE TABLE IF NOT EXISTS history_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    this.#statements = prepare(db);
    const marker = this.#statements.getMarker.get(markerKey) as { value: number } | undefined;
    if (marker !== undefined) db.transaction(() => this.#rebuild(marker.value))();
  }

  /** The daily summary the closed buckets are folded into. */
  get daily(): DailySummary {
    return this.#daily;
  }

  /**
   * At most `limit` open buckets that ended more than `graceMs` before `now`, in the order they opened
   * (`now` infinite: every open bucket, for closing).
   */
  due(now: number, limit: number): RollupRow[] {
    const due: RollupRow[] = [];
    for (const columns of this.#open.values()) {
      if (columns.start + historyBucketMs + this.#graceMs > now) continue;
      for (let slot = 0; slot < columns.capacity; slot++) {
        if (!columns.has(slot)) continue;
        if (due.length >= limit) return due;
        due.push(columns.row(slot, this.#seriesOf[slot]!));
      }
    }
    return due;
  }

  /** Whether some open bucket is due at `now`. */
  anyDue(now: number): boolean {
    for (const bucket of this.#open.keys()) {
      if (bucket + historyBucketMs + this.#graceMs <= now) return true;
    }
    return false;
  }

  /**
   * Writes the buckets `closing` and the crash marker for what stays open once `folded` (this write's
   * samples) joins it. Call inside the transaction that writes the samples, then {@link commit}.
   */
  write(closing: readonly RollupRow[], folded: BucketGroups): void {
    for (const row of closing) this.#statements.upsertBucket.run(row);
    this.#daily.fold(closing);
    const closed = new Map<number, number>();
    for (const row of closing) closed.set(row.bucket, (closed.get(row.bucket) ?? 0) + 1);
    let oldest: number | undefined;
    for (const [bucket, columns] of this.#open) {
      if (columns.size > (closed.get(bucket) ?? 0)) oldest = Math.min(oldest ?? bucket, bucket);
    }
    for (const bucket of folded.keys()) oldest = Math.min(oldest ?? bucket, bucket);
    if (oldest === this.#marker) return;
    if (oldest === undefined) this.#statements.deleteMarker.run(markerKey);
    else this.#statements.setMarker.run(markerKey, oldest);
  }

  /** After the transaction of {@link write} committed: forgets `closing`, keeps `folded` open. */
  commit(closing: readonly RollupRow[], folded: BucketGroups): void {
    for (const row of closing) {
      const columns = this.#open.get(row.bucket);
      const slot = this.#slots.get(row.series);
      if (!columns || slot === undefined) continue;
      columns.delete(slot);
      if (columns.size === 0) this.#open.delete(row.bucket);
    }
    for (const [bucket, rows] of folded) {
      let columns = this.#open.get(bucket);
      if (!columns) {
        columns = new BucketColumns(bucket, this.#seriesOf.length);
        this.#open.set(bucket, columns);
      }
      for (const row of rows.values()) columns.add(this.#slotOf(row.series), row);
    }
    for (const row of closing) this.#release(row.series);
    this.#marker = this.#oldest();
  }

  #slotOf(series: number): number {
    let slot = this.#slots.get(series);
    if (slot === undefined) {
      slot = this.#free.pop() ?? this.#seriesOf.length;
      this.#slots.set(series, slot);
      this.#seriesOf[slot] = series;
    }
    return slot;
  }

  /** Frees `series`' slot once none of its buckets is open (a monitor removed leaves none behind). */
  #release(series: number): void {
    const slot = this.#slots.get(series);
    if (slot === undefined) return;
    for (const columns of this.#open.values()) if (columns.has(slot)) return;
    this.#slots.delete(series);
    this.#free.push(slot);
  }

  #oldest(): number | undefined {
    let oldest: number | undefined;
    for (const bucket of this.#open.keys()) oldest = Math.min(oldest ?? bucket, bucket);
    return oldest;
  }

  /** A series' open buckets in `[from, to]` (bucket starts), oldest first. */
  buckets(series: number, from: number, to: number): RollupRow[] {
    const slot = this.#slots.get(series);
    if (slot === undefined) return [];
    const rows: RollupRow[] = [];
    for (const columns of this.#open.values()) {
      if (columns.start >= from && columns.start <= to && columns.has(slot))
        rows.push(columns.row(slot, series));
    }
    return rows.sort((a, b) => a.bucket - b.bucket);
  }

  /** A series' samples by day in `[fromDay, toDay]` that are still in open buckets, oldest first. */
  days(series: number, fromDay: number, toDay: number): DayCounts[] {
    const byDay = new Map<number, DayCounts>();
    for (const row of this.buckets(series, fromDay * dayMs, (toDay + 1) * dayMs - 1)) {
      const day = dayOf(row.bucket);
      const had = byDay.get(day) ?? [day, 0, 0, 0, 0];
      byDay.set(day, [
        day,
        had[1] + row.ok,
        had[2] + row.warning,
        had[3] + row.critical,
        had[4] + row.unknown,
      ]);
    }
    return [...byDay.values()].sort((a, b) => a[0] - b[0]);
  }

  /** Recomputes the buckets from `from` on from the raw samples, and the days by the difference. */
  #rebuild(from: number): void {
    const s = this.#statements;
    const rows = s.aggregate.all(bucketOf(from)) as RollupRow[];
    const deltas: RollupRow[] = [];
    for (const row of rows) {
      const old = s.bucket.get(row.series, row.bucket) as RollupRow | undefined;
      if (old) {
        const delta = { ...row };
        for (const name of statusNames) delta[name] -= old[name];
        deltas.push(delta);
      } else {
        deltas.push(row);
      }
      s.replaceBucket.run(row);
    }
    this.#daily.fold(deltas);
    s.deleteMarker.run(markerKey);
  }
}

function prepare(db: Database.Database) {
  const columns = `series, bucket, count, ok, warning, critical, unknown, lat_min, lat_sum, lat_max,
    val_count, val_min, val_sum, val_max`;
  const values = `@series, @bucket, @count, @ok, @warning, @critical, @unknown, @lat_min, @lat_sum,
    @lat_max, @val_count, @val_min, @val_sum, @val_max`;
  return {
    upsertBucket: db.prepare(`
      INSERT INTO history_rollup (${columns}) VALUES (${values})
      ON CONFLICT (series, bucket) DO UPDATE SET
        count = count + excluded.count, ok = ok + excluded.ok, warning = warning + excluded.warning,
        critical = critical + excluded.critical, unknown = unknown + excluded.unknown,
        lat_min = min(lat_min, excluded.lat_min), lat_sum = lat_sum + excluded.lat_sum,
        lat_max = max(lat_max, excluded.lat_max), val_count = val_count + excluded.val_count,
        val_min = min(coalesce(val_min, excluded.val_min), coalesce(excluded.val_min, val_min)),
        val_sum = val_sum + excluded.val_sum,
        val_max = max(coalesce(val_max, excluded.val_max), coalesce(excluded.val_max, val_max))`),
    replaceBucket: db.prepare(`INSERT OR REPLACE INTO history_rollup (${columns}) VALUES (${values})`),
    bucket: db.prepare("SELECT * FROM history_rollup WHERE series = ? AND bucket = ?"),
    aggregate: db.prepare(`
      SELECT series, t - t % ${historyBucketMs} AS bucket, count(*) AS count,
        sum(status = 0) AS ok, sum(status = 1) AS warning, sum(status = 2) AS critical,
        sum(status NOT IN (0, 1, 2)) AS unknown,
        min(latency_ms) AS lat_min, sum(latency_ms) AS lat_sum, max(latency_ms) AS lat_max,
        count(value) AS val_count, min(value) AS val_min, coalesce(sum(value), 0) AS val_sum,
        max(value) AS val_max
      FROM history_samples WHERE t >= ? GROUP BY series, bucket`),
    getMarker: db.prepare("SELECT value FROM history_meta WHERE key = ?"),
    setMarker: db.prepare("INSERT OR REPLACE INTO history_meta (key, value) VALUES (?, ?)"),
    deleteMarker: db.prepare("DELETE FROM history_meta WHERE key = ?"),
  };
}
