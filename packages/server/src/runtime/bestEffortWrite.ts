import type Database from "better-sqlite3";

const levels = ["OFF", "NORMAL", "FULL", "EXTRA"] as const;

/** Per connection: its `synchronous` read and set by prepared statements (`db.pragma` parses each call). */
const statements = new WeakMap<
  Database.Database,
  { read: Database.Statement; set: Map<number, Database.Statement> }
>();

function statementsOf(db: Database.Database) {
  let s = statements.get(db);
  if (!s) {
    s = { read: db.prepare("PRAGMA synchronous").pluck(), set: new Map() };
    statements.set(db, s);
  }
  return s;
}

function setSynchronous(db: Database.Database, level: number): void {
  const s = statementsOf(db);
  let set = s.set.get(level);
  if (!set) {
    set = db.prepare(`PRAGMA synchronous = ${levels[level] ?? "FULL"}`);
    s.set.set(level, set);
  }
  set.run();
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
 */
export function writeBestEffort<T>(db: Database.Database, write: () => T): T {
  const synchronous = statementsOf(db).read.get() as number;
  if (synchronous <= 1) return db.transaction(write)();
  setSynchronous(db, 1);
  try {
    return db.transaction(write)();
  } finally {
    setSynchronous(db, synchronous);
  }
}
