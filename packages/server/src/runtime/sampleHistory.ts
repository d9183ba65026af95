import { describeError, type SampleResult, type SampleStatus, sampleStatuses } from "@amstaff/core";
import type Database from "better-sqlite3";
import type { Logger } from "pino";
import { type Clock, monotonicNow } from "../clock.js";
import { ByMonitor } from "../state/byMonitor.js";
import { busyRetryMs, tryWriteBestEffort, writeBestEffort } from "./bestEffortWrite.js";
import { addDays, type DayCounts, dayMs } from "./dailyUptime.js";
import {
  type HistoryPage,
  historyBucket,
  historySample,
  type SampleRow,
  withOpenBuckets,
} from "./historyPage.js";
import { HistoryRetention } from "./historyRetention.js";
import { type HistoryStatements, openHistoryTables } from "./historyTables.js";
import { type BucketGroups, bucketOf, foldSample, OpenBuckets, type RollupRow } from "./openBuckets.js";
import { blankPendingSample, type PendingSample, PendingSamples } from "./pendingSamples.js";
import { nextChunk } from "./turnBudget.js";

export { historyBucketMs } from "./openBuckets.js";

// After a transaction of buckets due, the flush timer pauses this many times its length: a fifth of the
// event loop at most, and a boundary's 50,000 buckets (under a second of writes) spread over a few seconds.
const bucketPause = 4;

/** Longest message kept with a sample. */
export const historyMessageChars = 300;

/** Options of {@link SampleHistory}. */
export interface SampleHistoryOptions {
  clock: Clock;
  logger: Logger;
  /** Days raw samples are kept. @default 7 */
  rawDays?: number | undefined;
  /** Days 5-minute buckets are kept. @default 90 */
  rollupDays?: number | undefined;
  /** How often buffered samples are written. @default 1000 */
  flushIntervalMs?: number | undefined;
  /** Samples buffered at most while the disk does not take them; past that the oldest are dropped. @default 100000 */
  maxBuffered?: number | undefined;
  /** The most samples written per transaction. @default 2000 */
  flushChunk?: number | undefined;
  /**
   * How long one scheduled write may hold the event loop: the timer sizes each transaction to take about
   * this long (from the last ones' speed), ends one of samples at twice this whatever its size, and writes
   * a backlog one transaction per turn. @default 4
   */
  flushBudgetMs?: number | undefined;
  /** How often expired history is deleted. @default 60000 */
  pruneIntervalMs?: number | undefined;
  /** Rows deleted per statement by the retention job. @default 500 */
  pruneChunk?: number | undefined;
  /**
   * How long after its end a 5-minute bucket is kept open in memory for late samples before it is
   * written (see `openBuckets.ts`). @default 60000
   */
  openBucketGraceMs?: number | undefined;
}

/** Counters of the history's write path, for metrics. */
export interface HistoryStats {
  /** Samples waiting in memory to be written. */
  buffered: number;
  /** Samples dropped since start because the buffer was full (the disk did not take writes). */
  dropped: number;
  /** Samples written since start. */
  written: number;
  /** Failed write transactions since start. */
  writeErrors: number;
}

const statusCode = new Map<SampleStatus, number>(sampleStatuses.map((s, i) => [s, i]));
const finite = (n: number | undefined): number | null => (n !== undefined && Number.isFinite(n) ? n : null);

/**
 * The sample history of the monitors this node runs, in the node's SQLite database.
 *
 * `record` only appends to a bounded in-memory ring, so sampling never waits on the disk; a timer writes
 * the ring in transactions sized to take about `flushBudgetMs` each, one transaction per turn of the
 * event loop. Each write also folds its samples into 5-minute buckets (counts per status, min/sum/max
 * of latency and value), kept open in memory until the bucket is over and written once (readers see
 * them merged; a crash loses none, see `openBuckets.ts`), so every range has a downsampled form from the
 * start and "downsampling" on expiry is only a delete. When the disk refuses
 * writes (full, read-only) the samples stay in the ring, the oldest are dropped past `maxBuffered`, the
 * error is logged at most once a minute, and sampling goes on.
 *
 * Retention: raw samples for `rawDays`, buckets for `rollupDays`, deleted by a periodic job in
 * statements of at most `pruneChunk` rows, yielding to the event loop between them.
 */
export class SampleHistory {
  readonly #db: Database.Database;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #rawMs: number;
  readonly #flushIntervalMs: number;
  readonly #flushChunk: number;
  readonly #flushBudgetMs: number;
  /** Samples, and buckets due, per scheduled transaction: each adapted to its own speed on this disk and CPU. */
  readonly #sampleSizing: { chunk: number };
  readonly #bucketSizing: { chunk: number };
  /** Whether the buckets due go next when samples wait too. */
  #bucketsTurn = false;
  /** Samples waiting to be written; the oldest dropped when the disk has not taken writes for a while. */
  readonly #pending: PendingSamples;
  /** The one object the buffered samples are read into, a row at a time, as they are written. */
  readonly #row: PendingSample = blankPendingSample();
  /** Each monitor's series id (`history_series`). */
  readonly #series = new ByMonitor<number>();
  #written = 0;
  #writeErrors = 0;
  #lastErrorLoggedAt = Number.NEGATIVE_INFINITY;
  #flushTimer: unknown;
  #closed = false;
  readonly #statements: HistoryStatements;
  readonly #open: OpenBuckets;
  readonly #retention: HistoryRetention;

  constructor(db: Database.Database, options: SampleHistoryOptions) {
    this.#db = db;
    this.#clock = options.clock;
    this.#logger = options.logger;
    const rawDays = options.rawDays ?? 7;
    const rollupDays = options.rollupDays ?? 90;
    if (!(rawDays > 0) || !(rollupDays > 0)) {
      throw new RangeError("history retention must be a positive number of days");
    }
    this.#rawMs = rawDays * dayMs;
    this.#flushIntervalMs = options.flushIntervalMs ?? 1_000;
    this.#flushChunk = Math.max(1, options.flushChunk ?? 2_000);
    this.#flushBudgetMs = options.flushBudgetMs ?? 4;
    this.#sampleSizing = { chunk: Math.min(this.#flushChunk, 200) };
    this.#bucketSizing = { chunk: Math.min(this.#flushChunk, 200) };
    this.#pending = new PendingSamples(options.maxBuffered ?? 100_000);
    this.#statements = openHistoryTables(db);
    this.#open = new OpenBuckets(db, options.openBucketGraceMs ?? 60_000);
    this.#retention = new HistoryRetention(db, {
      clock: this.#clock,
      logger: this.#logger,
      rawMs: this.#rawMs,
      rollupMs: rollupDays * dayMs,
      intervalMs: options.pruneIntervalMs ?? 60_000,
      chunk: options.pruneChunk ?? 500,
      daily: this.#open.daily,
      forget: (module, monitor) => this.#series.delete(module, monitor),
    });
  }

  /** Starts the flush and retention timers. */
  start(): void {
    this.#armFlush();
    this.#retention.start();
  }

  /** Keeps one sample. Never throws, never waits: the write happens on the next flush. */
  record(module: string, monitor: string, result: SampleResult): void {
    if (this.#closed) return;
    const message =
      result.status === "ok" || result.message === "" ? null : result.message.slice(0, historyMessageChars);
    // When the disk has not taken writes for a while, the oldest sample goes: sampling never blocks.
    this.#pending.push(
      module,
      monitor,
      result.timestamp,
      statusCode.get(result.status) ?? statusCode.get("unknown")!,
      Math.max(0, finite(result.durationMs) ?? 0),
      finite(result.value),
      message,
    );
  }

  /** Write-path counters. */
  stats(): HistoryStats {
    return {
      buffered: this.#pending.size,
      dropped: this.#pending.dropped,
      written: this.#written,
      writeErrors: this.#writeErrors,
    };
  }

  /**
   * Writes buffered samples, at most `maxRows` (default: all), in transactions of `flushChunk`, and the
   * 5-minute buckets that are due (see `openBuckets.ts`). A failed transaction leaves its samples
   * buffered for the next flush; the error is logged at most once a minute.
   *
   * @returns how many samples were written.
   */
  flush(maxRows = Number.POSITIVE_INFINITY): number {
    return this.#flush(maxRows, this.#clock.now()).samples;
  }

  /** Writes at most `maxUnits` samples and due buckets (one unit each); a bucket is due at `now`. */
  #flush(maxUnits: number, now: number): { samples: number; units: number } {
    let samples = 0;
    let units = 0;
    while (units < maxUnits && !this.#closedDb()) {
      const count = Math.min(this.#pending.size, this.#flushChunk, maxUnits - units);
      const closing = this.#open.due(now, Math.min(this.#flushChunk, maxUnits - units) - count);
      if (count === 0 && closing.length === 0) break;
      const written = this.#writeOrKeep(count, closing, Number.POSITIVE_INFINITY, true);
      if (typeof written !== "number") break;
      samples += written;
      units += written + closing.length;
    }
    return { samples, units };
  }

  /**
   * One transaction of the flush timer, sized to take about `flushBudgetMs`: the samples buffered, or the
   * buckets due, taking turns while both wait. Each kind is sized by its own speed: at a bucket boundary
   * the node's 50,000 buckets fall due at once, and a bucket (two upserts) costs more than a sample (one
   * insert): 13 µs against 5–9 µs with 50,000 series on a loaded 2-core machine, so buckets sized from the
   * samples' speed overran the budget. And samples stop at twice the budget whatever the size said: a
   * transaction that meets a slow stretch (pages of a large index no longer cached, a busy machine) commits
   * what it wrote and leaves the rest to the next turn. A backlog of samples is written one transaction
   * per turn; buckets due are spread out, a pause of `bucketPause ×` its time after each of their
   * transactions: they have their grace minute, and written back to back the 50,000 buckets of a boundary
   * held most of the event loop for most of a second, what sampling had to run in.
   *
   * @returns when to come back: at once, after a pause, or at the next interval.
   */
  #flushTurn(now: number): number {
    if (this.#closedDb()) return this.#flushIntervalMs;
    const buckets = this.#open.anyDue(now) && (this.#pending.size === 0 || this.#bucketsTurn);
    this.#bucketsTurn = !buckets;
    const sizing = buckets ? this.#bucketSizing : this.#sampleSizing;
    const chunk = sizing.chunk;
    const started = monotonicNow(this.#clock);
    let units: number | "failed" | "busy";
    if (buckets) {
      const closing = this.#open.due(now, chunk);
      const written = this.#writeOrKeep(0, closing, Number.POSITIVE_INFINITY, false);
      units = typeof written === "number" ? closing.length : written;
    } else {
      units = this.#writeOrKeep(chunk, [], started + 2 * this.#flushBudgetMs, false);
    }
    // The checkpoint thread holds the write lock for a few milliseconds to a few hundred: back soon.
    if (units === "busy") return busyRetryMs;
    if (units === "failed" || units === 0) return this.#flushIntervalMs;
    const tookMs = monotonicNow(this.#clock) - started;
    // At 5,000 samples a second, a few hundred per transaction. A transaction cut short by the time limit
    // is sized by what it managed.
    const full = units === chunk || tookMs > 2 * this.#flushBudgetMs;
    if (full) sizing.chunk = nextChunk(units, tookMs, this.#flushBudgetMs, this.#flushChunk);
    if (buckets) return this.#open.anyDue(now) ? Math.ceil(bucketPause * tookMs) : this.#flushIntervalMs;
    return (full && this.#pending.size > 0) || this.#open.anyDue(now) ? 0 : this.#flushIntervalMs;
  }

  /**
   * Writes the `count` oldest buffered samples (those it gets to before `deadline`, on the monotonic clock)
   * and the buckets `closing` in one transaction, then takes what it wrote out of the buffer.
   *
   * `wait`: whether to wait for the write lock while another connection holds it (else, `busy`).
   *
   * @returns how many samples it wrote; `failed` or `busy` when it wrote nothing (all stay buffered).
   */
  #writeOrKeep(
    count: number,
    closing: RollupRow[],
    deadline: number,
    wait: boolean,
  ): number | "failed" | "busy" {
    let written: number | undefined;
    try {
      written = this.#write(Math.min(count, this.#pending.size), closing, deadline, wait);
      if (written === undefined) return "busy";
    } catch (error) {
      this.#writeErrors++;
      const now = this.#clock.now();
      if (now - this.#lastErrorLoggedAt >= 60_000) {
        this.#lastErrorLoggedAt = now;
        this.#logger.error(
          { err: describeError(error), code: (error as { code?: unknown }).code, ...this.stats() },
          "could not write the sample history; samples stay in memory (the oldest dropped when full) until the disk takes writes again",
        );
      }
      return "failed";
    }
    this.#pending.shift(written);
    this.#written += written;
    return written;
  }

  #closedDb(): boolean {
    return !this.#db.open;
  }

  /**
   * Writes the `count` oldest buffered samples (all of them, or those it got to by `deadline`) and
   * `closing`; returns how many samples, or undefined when it would have had to wait for the write lock
   * and `wait` is false.
   */
  #write(count: number, closing: RollupRow[], deadline: number, wait: boolean): number | undefined {
    const added: { module: string; monitor: string }[] = [];
    const folded: BucketGroups = new Map();
    const s = this.#statements;
    let written = 0;
    try {
      const transaction = () => {
        for (let i = 0; i < count; i++) {
          // A clock read per 16 rows: a row takes microseconds.
          if ((written & 15) === 15 && monotonicNow(this.#clock) > deadline) break;
          const p = this.#pending.read(i, this.#row);
          const series = this.#seriesId(p.module, p.monitor, added);
          s.insertSample.run(series, p.t, p.status, p.latencyMs, p.value, p.message);
          foldSample(folded, series, p);
          written++;
        }
        this.#open.write(closing, folded);
      };
      if (wait) writeBestEffort(this.#db, transaction);
      else if (tryWriteBestEffort(this.#db, transaction) === undefined) {
        this.#forgetAdded(added);
        return undefined;
      }
    } catch (error) {
      this.#forgetAdded(added);
      throw error;
    }
    this.#open.commit(closing, folded);
    return written;
  }

  /** The series a rolled-back transaction created: their ids must not be reused. */
  #forgetAdded(added: { module: string; monitor: string }[]): void {
    for (const { module, monitor } of added) this.#series.delete(module, monitor);
  }

  #seriesId(module: string, monitor: string, added: { module: string; monitor: string }[]): number {
    let id = this.#series.get(module, monitor);
    if (id === undefined) {
      this.#statements.insertSeries.run(module, monitor);
      id = (this.#statements.findSeries.get(module, monitor) as { id: number }).id;
      this.#series.set(module, monitor, id);
      added.push({ module, monitor });
    }
    return id;
  }

  /**
   * A monitor's history over `[from, to]`: raw samples when the range lies within raw retention and
   * holds at most `limit` of them, else 5-minute buckets (all of the range's; `limit` bounds raw samples
   * only). Buffered samples are written first, so the answer includes the latest ones.
   */
  query(module: string, monitor: string, range: { from: number; to: number; limit: number }): HistoryPage {
    this.flush(this.#flushChunk);
    const { from, to, limit } = range;
    const s = this.#statements;
    const series = (s.findSeries.get(module, monitor) as { id: number } | undefined)?.id;
    const rawFrom = this.#clock.now() - this.#rawMs;
    if (from >= rawFrom) {
      const count =
        series === undefined ? 0 : (s.countSamples.get(series, from, to, limit + 1) as { n: number }).n;
      if (count <= limit) {
        const rows = (series === undefined ? [] : s.samples.all(series, from, to, limit)) as SampleRow[];
        return { resolution: "raw", samples: rows.map(historySample) };
      }
    }
    const first = bucketOf(from);
    const rows =
      series === undefined
        ? []
        : withOpenBuckets(
            this.#statements.buckets.all(series, first, to) as RollupRow[],
            this.#open.buckets(series, first, to),
          );
    return { resolution: "5m", buckets: rows.map(historyBucket) };
  }

  /**
   * A monitor's samples by UTC day in `[fromDay, toDay]` (days since the epoch) on this node, oldest
   * first: at most one row per day, read from the daily summary (see `dailyUptime.ts`).
   */
  days(module: string, monitor: string, fromDay: number, toDay: number): DayCounts[] {
    const stored = this.#open.daily.days(module, monitor, fromDay, toDay);
    const series = this.#series.get(module, monitor);
    return series === undefined ? stored : addDays(stored, this.#open.days(series, fromDay, toDay));
  }

  /**
   * One bounded step of the retention job (see `historyRetention.ts`).
   *
   * @returns how many rows it deleted, and whether more are due.
   */
  prune(): { samples: number; buckets: number; more: boolean } {
    return this.#retention.prune();
  }

  #armFlush(delayMs = this.#flushIntervalMs): void {
    if (this.#closed) return;
    this.#flushTimer = this.#clock.setTimeout(() => {
      this.#armFlush(this.#flushTurn(this.#clock.now()));
    }, delayMs);
    (this.#flushTimer as { unref?: () => void }).unref?.();
  }

  /** Stops the timers and writes what is buffered (as far as the disk takes it). Call before closing the database. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearTimeout(this.#flushTimer);
    this.#retention.stop();
    this.#flush(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
  }
}
