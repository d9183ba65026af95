import type { SampleResult } from "@amstaff/core";
import type Database from "better-sqlite3";
import type { Logger } from "pino";
import { type Clock, systemClock } from "../clock.js";
import { monitorKey, parseMonitorKey } from "../state/monitorKey.js";
import { nextChunk } from "./turnBudget.js";

/** What this node last saw of a monitor. Local to the node, not replicated: it changes every sample. */
export interface Observation {
  lastResult: SampleResult;
  lastRunAt: number;
}

/** Options of {@link Observations}. */
export interface ObservationsOptions {
  /** Times the flushes {@link Observations.start} schedules. @default systemClock */
  clock?: Clock | undefined;
  /** Where a scheduled flush that failed is reported (it is retried at the next one). @default none */
  logger?: Logger | undefined;
  /** How often {@link Observations.start} writes what changed. @default 2000 */
  flushEveryMs?: number | undefined;
  /**
   * How long one scheduled write may hold the event loop: the changes are written in transactions sized
   * to take about this long, one per turn. @default 4
   */
  flushBudgetMs?: number | undefined;
}

const key = monitorKey;

/**
 * The latest result of every monitor this node runs, kept in memory and written to SQLite in batches,
 * so sampling never waits on the disk and a restart knows when each monitor last ran.
 */
export class Observations {
  readonly #db: Database.Database;
  readonly #latest = new Map<string, Observation>();
  readonly #dirty = new Set<string>();
  readonly #listeners = new Set<(module: string, monitor: string) => void>();
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #flushEveryMs: number;
  readonly #flushBudgetMs: number;
  /** Rows per scheduled transaction, adapted to how long the last ones took. */
  #chunk = 200;
  #flushTimer: unknown;
  #started = false;

  constructor(db: Database.Database, options: ObservationsOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#flushEveryMs = options.flushEveryMs ?? 2_000;
    this.#flushBudgetMs = options.flushBudgetMs ?? 4;
    db.exec(`CREATE TABLE IF NOT EXISTS observations (
      module TEXT NOT NULL, monitor TEXT NOT NULL, result TEXT NOT NULL, run_at INTEGER NOT NULL,
      PRIMARY KEY (module, monitor))`);
    const rows = db.prepare("SELECT module, monitor, result, run_at FROM observations").all() as {
      module: string;
      monitor: string;
      result: string;
      run_at: number;
    }[];
    for (const row of rows) {
      this.#latest.set(key(row.module, row.monitor), {
        lastResult: JSON.parse(row.result),
        lastRunAt: row.run_at,
      });
    }
  }

  get(module: string, monitor: string): Observation | undefined {
    return this.#latest.get(key(module, monitor));
  }

  record(module: string, monitor: string, result: SampleResult): void {
    const k = key(module, monitor);
    this.#latest.set(k, { lastResult: result, lastRunAt: result.timestamp });
    this.#dirty.add(k);
    for (const listener of this.#listeners) listener(module, monitor);
  }

  /** Calls `listener` after every {@link record} (the dashboard's live updates); returns its remover. */
  onRecord(listener: (module: string, monitor: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  forget(module: string, monitor: string): void {
    const k = key(module, monitor);
    this.#latest.delete(k);
    this.#dirty.add(k);
  }

  /**
   * Writes the changes since the last flush in one transaction, at most `maxRows` of them (default: all).
   * @returns how many it wrote.
   */
  flush(maxRows = Number.POSITIVE_INFINITY): number {
    if (this.#dirty.size === 0) return 0;
    const upsert = this.#db.prepare(
      "INSERT OR REPLACE INTO observations (module, monitor, result, run_at) VALUES (?, ?, ?, ?)",
    );
    const remove = this.#db.prepare("DELETE FROM observations WHERE module = ? AND monitor = ?");
    const keys: string[] = [];
    for (const k of this.#dirty) {
      if (keys.length >= maxRows) break;
      keys.push(k);
    }
    this.#db.transaction(() => {
      for (const k of keys) {
        const { module, monitor } = parseMonitorKey(k);
        const o = this.#latest.get(k);
        if (o) upsert.run(module, monitor, JSON.stringify(o.lastResult), o.lastRunAt);
        else remove.run(module, monitor);
      }
    })();
    for (const k of keys) this.#dirty.delete(k);
    return keys.length;
  }

  /** Writes what changed every `flushEveryMs` until {@link close}. */
  start(): void {
    this.#started = true;
    this.#armFlush();
  }

  #armFlush(delayMs = this.#flushEveryMs): void {
    if (!this.#started) return;
    this.#flushTimer = this.#clock.setTimeout(() => {
      // 50,000 monitors every 10 s change 10,000 rows between two flushes: written a slice per turn.
      const chunk = this.#chunk;
      let written = 0;
      try {
        const started = performance.now();
        written = this.flush(chunk);
        if (written === chunk)
          this.#chunk = nextChunk(chunk, performance.now() - started, this.#flushBudgetMs, 5_000);
      } catch (error) {
        this.#logger?.error({ err: error }, "could not save the latest results; will retry");
      }
      this.#armFlush(written === chunk && this.#dirty.size > 0 ? 0 : this.#flushEveryMs);
    }, delayMs);
    (this.#flushTimer as { unref?: () => void }).unref?.();
  }

  /** Stops the scheduled flushes and writes what is left. Call before closing the database. */
  close(): void {
    this.#started = false;
    this.#clock.clearTimeout(this.#flushTimer);
    this.flush();
  }
}
