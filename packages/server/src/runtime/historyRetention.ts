import { describeError } from "@amstaff/core";
import type Database from "better-sqlite3";
import type { Logger } from "pino";
import type { Clock } from "../clock.js";
import { type DailySummary, dayOf } from "./dailyUptime.js";

/** Options of {@link HistoryRetention}. */
export interface HistoryRetentionOptions {
  clock: Clock;
  logger: Logger;
  /** How long raw samples are kept, in ms. */
  rawMs: number;
  /** How long 5-minute buckets and days are kept, in ms. */
  rollupMs: number;
  /** How often the job runs. */
  intervalMs: number;
  /** Rows deleted per statement. */
  chunk: number;
  daily: DailySummary;
  /** Called for each monitor the sweep deleted because it has no history left. */
  forget(module: string, monitor: string): void;
}

/**
 * The sample history's retention job: raw samples for `rawMs`, buckets and days for `rollupMs`, deleted
 * by a timer in statements of at most `chunk` rows, yielding to the event loop between them; once nothing
 * is left to delete, monitors with no history left are forgotten.
 */
export class HistoryRetention {
  readonly #options: HistoryRetentionOptions;
  readonly #statements: ReturnType<typeof prepare>;
  #timer: unknown;
  #stopped = false;
  /** Whether rows were deleted since monitors without history were last looked for (a start may have some). */
  #deletedSinceSweep = true;

  constructor(db: Database.Database, options: HistoryRetentionOptions) {
    this.#options = options;
    this.#statements = prepare(db);
  }

  /** Runs the job every `intervalMs` until {@link stop}. */
  start(): void {
    this.#arm(this.#options.intervalMs);
  }

  /**
   * One bounded step: deletes at most `chunk` expired raw samples and as many expired buckets and days;
   * once nothing is left to delete, forgets monitors that have no history left.
   *
   * @returns how many rows it deleted, and whether more are due.
   */
  prune(): { samples: number; buckets: number; more: boolean } {
    const { clock, rawMs, rollupMs, chunk, daily, forget } = this.#options;
    const s = this.#statements;
    const now = clock.now();
    const samples = s.pruneSamples.run(now - rawMs, chunk).changes;
    const buckets = s.pruneBuckets.run(now - rollupMs, chunk).changes;
    const days = daily.prune(dayOf(now - rollupMs), chunk);
    const more = samples === chunk || buckets === chunk || days === chunk;
    if (samples + buckets + days > 0) this.#deletedSinceSweep = true;
    // The sweep reads every series (tens of milliseconds at 50,000): only after something was deleted.
    if (!more && this.#deletedSinceSweep) {
      this.#deletedSinceSweep = false;
      for (const row of s.pruneSeries.all() as { module: string; monitor: string }[]) {
        forget(row.module, row.monitor);
      }
    }
    return { samples, buckets, more };
  }

  #arm(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = this.#options.clock.setTimeout(() => {
      let more = false;
      try {
        more = this.prune().more;
      } catch (error) {
        this.#options.logger.warn({ err: describeError(error) }, "could not delete expired sample history");
      }
      // Between chunks the timer yields to the event loop, so a big backlog never stalls sampling.
      this.#arm(more ? 0 : this.#options.intervalMs);
    }, delayMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stops the timer. */
  stop(): void {
    this.#stopped = true;
    this.#options.clock.clearTimeout(this.#timer);
  }
}

function prepare(db: Database.Database) {
  return {
    pruneSamples: db.prepare(
      "DELETE FROM history_samples WHERE rowid IN (SELECT rowid FROM history_samples WHERE t < ? LIMIT ?)",
    ),
    pruneBuckets: db.prepare(
      "DELETE FROM history_rollup WHERE (series, bucket) IN (SELECT series, bucket FROM history_rollup WHERE bucket < ? LIMIT ?)",
    ),
    pruneSeries: db.prepare(`
      DELETE FROM history_series WHERE
        NOT EXISTS (SELECT 1 FROM history_samples s WHERE s.series = history_series.id) AND
        NOT EXISTS (SELECT 1 FROM history_rollup r WHERE r.series = history_series.id)
      RETURNING module, monitor`),
  };
}
