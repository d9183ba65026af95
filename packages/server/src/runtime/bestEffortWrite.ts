import type Database from "better-sqlite3";

/**
 * One integer setting of a connection (`synchronous`, `busy_timeout`), read and set by prepared statements:
 * `db.pragma` parses its text at every call, and these are set around every scheduled write.
 */
class Pragma {
  readonly #db: Database.Database;
  readonly #name: string;
  readonly #read: Database.Statement;
  readonly #set = new Map<number, Database.Statement>();

  constructor(db: Database.Database, name: string) {
    this.#db = db;
    this.#name = name;
    this.#read = db.prepare(`PRAGMA ${name}`).pluck();
  }

  get(): number {
    return this.#read.get() as number;
  }

  set(value: number): void {
    let set = this.#set.get(value);
    if (!set) {
      set = this.#db.prepare(`PRAGMA ${this.#name} = ${Math.max(0, Math.trunc(value))}`);
      this.#set.set(value, set);
    }
    set.run();
  }
}

const pragmas = new WeakMap<Database.Database, { synchronous: Pragma; busyTimeout: Pragma }>();

function pragmasOf(db: Database.Database) {
  let p = pragmas.get(db);
  if (!p) {
    p = { synchronous: new Pragma(db, "synchronous"), busyTimeout: new Pragma(db, "busy_timeout") };
    pragmas.set(db, p);
  }
  return p;
}

/**
 * Runs `write` as one transaction committed without waiting for the disk (`synchronous = NORMAL` for
 * it), then puts the connection's setting back.
 *
 * For what the node keeps of its own samples (latest results, history), written several times a
 * second: with the database's `synchronous = FULL` every such commit waited for an fsync, tens to
 * hundreds of milliseconds of a blocked event loop on a busy disk. In WAL mode a commit that was not
 * synced can only be lost to a power failure or an OS crash, whole and in order (the log's checksums
 * end it at the first torn frame), never corrupt the database; a later FULL commit syncs it anyway.
 * These writes already tolerate losing their last seconds: samples are buffered in memory first.
 *
 * @param mode when the transaction takes the write lock: at its first write (`deferred`), or at once.
 */
export function writeBestEffort<T>(
  db: Database.Database,
  write: () => T,
  mode: "deferred" | "immediate" = "deferred",
): T {
  const { synchronous: pragma } = pragmasOf(db);
  const synchronous = pragma.get();
  if (synchronous <= 1) return db.transaction(write)[mode]();
  pragma.set(1);
  try {
    return db.transaction(write)[mode]();
  } finally {
    pragma.set(synchronous);
  }
}

/**
 * When another connection (the WAL checkpoint thread) holds the write lock, a timer's write
 * ({@link tryWriteBestEffort}) comes back this much later instead of waiting for it on the event loop.
 */
export const busyRetryMs = 10;

/**
 * {@link writeBestEffort} that never waits for another connection: the transaction takes the write lock
 * first (`BEGIN IMMEDIATE`) with no busy timeout, and when another connection holds it the write is not
 * run at all. For the writes of a timer that comes back soon anyway.
 *
 * The other connection is the WAL checkpoint thread's: past its size limit it empties the WAL with
 * `wal_checkpoint(TRUNCATE)`, which holds the write lock while it copies the last frames and syncs the
 * database file. A write that waited for it slept in SQLite's busy handler (better-sqlite3's default 5 s
 * timeout) on the event loop: at 50,000 monitors, 50–400 ms stalls in step with every such checkpoint.
 *
 * @returns whether `write` ran and committed (its result then), or `undefined` when the lock was busy.
 */
export function tryWriteBestEffort<T>(db: Database.Database, write: () => T): { value: T } | undefined {
  const { busyTimeout } = pragmasOf(db);
  const timeout = busyTimeout.get();
  busyTimeout.set(0);
  try {
    return { value: writeBestEffort(db, write, "immediate") };
  } catch (error) {
    if (isBusy(error)) return undefined;
    throw error;
  } finally {
    busyTimeout.set(timeout);
  }
}

/** Whether SQLite refused because another connection holds a lock (`SQLITE_BUSY`, `SQLITE_BUSY_SNAPSHOT`...). */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}
