import { AmstaffError } from "@amstaff/core";
import type Database from "better-sqlite3";
import type { Command } from "./commands.js";
import type { ReplicatedLog } from "./replicatedLog.js";
import type { ApplyResult, StateMachine } from "./stateMachine.js";

/** Options of {@link SqliteLog}. */
export interface SqliteLogOptions {
  /** Entries between two snapshots; older entries are deleted once a snapshot covers them. @default 1000 */
  snapshotEvery?: number;
}

interface Waiting {
  command: Command;
  resolve: (result: ApplyResult) => void;
  reject: (error: unknown) => void;
}

/**
 * The log of a single node: commands are appended to SQLite (WAL, `synchronous = FULL`, so a command
 * is on disk before it is applied or acknowledged), then applied. Proposals that arrive together are
 * written in one transaction (group commit). On open, the latest snapshot is restored and the entries
 * after it replayed.
 */
export class SqliteLog implements ReplicatedLog {
  readonly #db: Database.Database;
  readonly #machine: StateMachine;
  readonly #snapshotEvery: number;
  #lastIndex = 0;
  #snapshotIndex = 0;
  #queue: Waiting[] = [];
  #flushScheduled = false;
  #closed = false;
  readonly #append: Database.Statement<[number, string]>;

  constructor(db: Database.Database, machine: StateMachine, options: SqliteLogOptions = {}) {
    this.#db = db;
    this.#machine = machine;
    this.#snapshotEvery = options.snapshotEvery ?? 1000;
    db.exec(`
      CREATE TABLE IF NOT EXISTS log_entries (idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, command TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS log_snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), idx INTEGER NOT NULL, data BLOB NOT NULL);
    `);
    this.#append = db.prepare("INSERT INTO log_entries (idx, term, command) VALUES (?, 1, ?)");
    this.#recover();
  }

  #recover(): void {
    const snapshot = this.#db.prepare("SELECT idx, data FROM log_snapshot WHERE id = 1").get() as
      | { idx: number; data: Buffer }
      | undefined;
    if (snapshot) {
      this.#machine.restore(new Uint8Array(snapshot.data));
      this.#snapshotIndex = this.#lastIndex = snapshot.idx;
    }
    const rows = this.#db
      .prepare("SELECT idx, command FROM log_entries WHERE idx > ? ORDER BY idx")
      .iterate(this.#snapshotIndex) as IterableIterator<{ idx: number; command: string }>;
    for (const row of rows) {
      if (row.idx !== this.#lastIndex + 1) {
        throw new AmstaffError(
          "AMS_ERR_STATE_CORRUPT",
          `The log has a gap after entry ${this.#lastIndex}: restore the data directory from a backup.`,
        );
      }
      let command: unknown;
      try {
        command = JSON.parse(row.command);
      } catch (cause) {
        throw new AmstaffError("AMS_ERR_STATE_CORRUPT", `Log entry ${row.idx} is not valid JSON.`, { cause });
      }
      this.#machine.apply(command, row.idx);
      this.#lastIndex = row.idx;
    }
  }

  /** The index of the last committed entry. */
  get lastIndex(): number {
    return this.#lastIndex;
  }

  propose(command: Command): Promise<ApplyResult> {
    if (this.#closed) {
      return Promise.reject(
        new AmstaffError(
          "AMS_ERR_LOG_UNAVAILABLE",
          "The server is shutting down; try again on another node.",
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ command, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const first = this.#lastIndex + 1;
    try {
      this.#db.transaction(() => {
        batch.forEach((w, i) => {
          this.#append.run(first + i, JSON.stringify(w.command));
        });
      })();
    } catch (cause) {
      // Nothing of the batch was written (the transaction rolled back), so nothing is applied either.
      const error = new AmstaffError(
        "AMS_ERR_LOG_UNAVAILABLE",
        `Could not write to the log: ${(cause as Error).message}`,
        { cause },
      );
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => {
      const index = first + i;
      this.#lastIndex = index;
      try {
        w.resolve(this.#machine.apply(w.command, index));
      } catch (error) {
        w.reject(error);
      }
    });
    if (this.#lastIndex - this.#snapshotIndex >= this.#snapshotEvery) this.#compact();
  }

  /** Writes a snapshot of the state and drops the entries it covers. */
  #compact(): void {
    const index = this.#lastIndex;
    const data = this.#machine.snapshot();
    this.#db.transaction(() => {
      this.#db
        .prepare("INSERT OR REPLACE INTO log_snapshot (id, idx, data) VALUES (1, ?, ?)")
        .run(index, Buffer.from(data));
      this.#db.prepare("DELETE FROM log_entries WHERE idx <= ?").run(index);
    })();
    this.#snapshotIndex = index;
  }

  async close(): Promise<void> {
    this.#closed = true;
    while (this.#queue.length > 0 || this.#flushScheduled) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
