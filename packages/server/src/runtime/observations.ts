import type { SampleResult } from "@amstaff/core";
import type Database from "better-sqlite3";
import type { Logger } from "pino";
import { type Clock, systemClock } from "../clock.js";
import { busyRetryMs, tryWriteBestEffort, writeBestEffort } from "./bestEffortWrite.js";
import { nextChunk } from "./turnBudget.js";

/** What this node last saw of a monitor. Local to the node, not replicated: it changes every sample. */
export interface Observation {
  readonly lastResult: SampleResult;
  /** When it last ran: its last result's time. */
  readonly lastRunAt: number;
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

/**
 * A monitor's observation and where it is kept, updated in place by every sample. The time it last ran
 * is read from its result rather than kept beside it: a second copy of the timestamp is a boxed double
 * per monitor (16 bytes), and a separate observation object another 40.
 */
class Slot implements Observation {
  /** Whether it is in the list of slots to write at the next flush. */
  dirty = true;
  /** Whether the database has its row: then a flush updates the row in place. */
  stored = false;

  readonly module: string;
  readonly monitor: string;
  lastResult: SampleResult;

  // Fields, not parameter properties: the benchmarks run these sources under Node's type stripping.
  constructor(module: string, monitor: string, lastResult: SampleResult) {
    this.module = module;
    this.monitor = monitor;
    this.lastResult = lastResult;
  }

  get lastRunAt(): number {
    return this.lastResult.timestamp;
  }
}

/**
 * The latest result of every monitor this node runs, kept in memory and written to SQLite in batches,
 * so sampling never waits on the disk and a restart knows when each monitor last ran.
 *
 * Memory: one slot per monitor, by module then monitor name (the names' own strings, no joined key per
 * monitor or per sample), updated in place, so a sample leaves nothing behind but its result.
 */
export class Observations {
  readonly #db: Database.Database;
  readonly #latest = new Map<string, Map<string, Slot>>();
  /** Slots recorded since the last flush. */
  #dirty: Slot[] = [];
  /** Monitors forgotten since the last flush. */
  #forgotten: { module: string; monitor: string }[] = [];
  readonly #listeners = new Set<(module: string, monitor: string) => void>();
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #flushEveryMs: number;
  readonly #flushBudgetMs: number;
  /** Rows per scheduled transaction, adapted to how long the last ones took. */
  #chunk = 200;
  #flushTimer: unknown;
  #started = false;
  readonly #statements: ReturnType<typeof prepare>;

  constructor(db: Database.Database, options: ObservationsOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#flushEveryMs = options.flushEveryMs ?? 2_000;
    this.#flushBudgetMs = options.flushBudgetMs ?? 4;
    db.exec(`CREATE TABLE IF NOT EXISTS observations (
      module TEXT NOT NULL, monitor TEXT NOT NULL, result TEXT NOT NULL, run_at INTEGER NOT NULL,
      PRIMARY KEY (module, monitor))`);
    const rows = db.prepare("SELECT module, monitor, result FROM observations").all() as {
      module: string;
      monitor: string;
      result: string;
    }[];
    for (const row of rows) {
      // `run_at` is the result's own time, kept in a column for queries of the database alone.
      const slot = this.#slot(row.module, row.monitor, JSON.parse(row.result));
      slot.dirty = false;
      slot.stored = true;
    }
    // What was read needs no writing back.
    this.#dirty = [];
    this.#statements = prepare(db);
  }

  get(module: string, monitor: string): Observation | undefined {
    return this.#latest.get(module)?.get(monitor);
  }

  record(module: string, monitor: string, result: SampleResult): void {
    const slot = this.#latest.get(module)?.get(monitor);
    if (slot === undefined) this.#slot(module, monitor, result);
    else {
      slot.lastResult = result;
      if (!slot.dirty) {
        slot.dirty = true;
        this.#dirty.push(slot);
      }
    }
    for (const listener of this.#listeners) listener(module, monitor);
  }

  #slot(module: string, monitor: string, lastResult: SampleResult): Slot {
    let monitors = this.#latest.get(module);
    if (monitors === undefined) {
      monitors = new Map();
      this.#latest.set(module, monitors);
    }
    const slot = new Slot(module, monitor, lastResult);
    monitors.set(monitor, slot);
    this.#dirty.push(slot);
    return slot;
  }

  /** Calls `listener` after every {@link record} (the dashboard's live updates); returns its remover. */
  onRecord(listener: (module: string, monitor: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  forget(module: string, monitor: string): void {
    const monitors = this.#latest.get(module);
    monitors?.delete(monitor);
    if (monitors?.size === 0) this.#latest.delete(module);
    this.#forgotten.push({ module, monitor });
  }

  /**
   * Writes the changes since the last flush in one transaction, at most `maxRows` of them (default: all).
   * With `{ wait: false }` it does not wait for the write lock while another connection (the WAL checkpoint
   * thread) holds it: it writes nothing and returns undefined.
   * @returns how many it wrote.
   */
  flush(maxRows?: number): number;
  flush(maxRows: number, options: { wait: false }): number | undefined;
  flush(maxRows = Number.POSITIVE_INFINITY, options?: { wait: false }): number | undefined {
    if (this.#dirty.length === 0 && this.#forgotten.length === 0) return 0;
    const { insert, update, remove } = this.#statements;
    const forgotten = this.#forgotten.slice(0, maxRows);
    const dirty = this.#dirty.slice(0, Math.max(0, maxRows - forgotten.length));
    const write = () => {
      for (const { module, monitor } of forgotten) remove.run(module, monitor);
      // A slot forgotten since (and perhaps recorded anew in another slot) is no longer the monitor's.
      for (const slot of dirty) {
        if (this.#latest.get(slot.module)?.get(slot.monitor) !== slot) continue;
        const { lastResult, lastRunAt } = slot;
        const json = JSON.stringify(lastResult);
        // In place: a REPLACE deletes and inserts the row and its key in the primary key's index.
        if (slot.stored && update.run(json, lastRunAt, slot.module, slot.monitor).changes === 1) continue;
        insert.run(slot.module, slot.monitor, json, lastRunAt);
      }
    };
    if (options === undefined) writeBestEffort(this.#db, write);
    else if (tryWriteBestEffort(this.#db, write) === undefined) return undefined;
    for (const slot of dirty) {
      slot.dirty = false;
      slot.stored = true;
    }
    this.#forgotten.splice(0, forgotten.length);
    this.#dirty.splice(0, dirty.length);
    return forgotten.length + dirty.length;
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
      let written: number | undefined = 0;
      try {
        const started = performance.now();
        written = this.flush(chunk, { wait: false });
        if (written === chunk)
          this.#chunk = nextChunk(chunk, performance.now() - started, this.#flushBudgetMs, 5_000);
      } catch (error) {
        this.#logger?.error({ err: error }, "could not save the latest results; will retry");
      }
      if (written === undefined) this.#armFlush(busyRetryMs);
      else
        this.#armFlush(
          written === chunk && this.#dirty.length + this.#forgotten.length > 0 ? 0 : this.#flushEveryMs,
        );
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

function prepare(db: Database.Database) {
  return {
    insert: db.prepare(
      "INSERT OR REPLACE INTO observations (module, monitor, result, run_at) VALUES (?, ?, ?, ?)",
    ),
    update: db.prepare("UPDATE observations SET result = ?, run_at = ? WHERE module = ? AND monitor = ?"),
    remove: db.prepare("DELETE FROM observations WHERE module = ? AND monitor = ?"),
  };
}
