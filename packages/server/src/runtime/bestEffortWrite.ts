import type Database from "better-sqlite3";

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
  const synchronous = db.pragma("synchronous", { simple: true }) as number;
  if (synchronous <= 1) return db.transaction(write)();
  db.pragma("synchronous = NORMAL");
  try {
    return db.transaction(write)();
  } finally {
    db.pragma(`synchronous = ${synchronous}`);
  }
}
