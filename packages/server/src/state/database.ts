import { join } from "node:path";
import { WalCheckpointer, type WalCheckpointerOptions } from "@amstaff/raft";
import Database from "better-sqlite3";
import type { Logger } from "pino";

/**
 * Opens (creating it if missing) the node's SQLite database in the data directory, `amstaff.db`: what
 * is local to the node (the latest results, the sample history) and, on a node that predates Raft, its
 * log until it is moved. Its WAL is checkpointed on a thread of its own, which `close()` stops.
 */
export function openDatabase(
  dataDir: string,
  logger?: Logger,
  checkpoints?: Omit<WalCheckpointerOptions, "path" | "logger">,
): Database.Database {
  const path = join(dataDir, "amstaff.db");
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  // FULL makes every committed transaction durable before it is acknowledged: a command is on disk
  // before it is applied, and before any notification it causes is sent.
  db.pragma("synchronous = FULL");
  // Thousands of rows a second cross SQLite's 1000-page mark every few seconds, and the commit that
  // crosses it copied and synced the WAL on the event loop (70–300 ms at 50,000 monitors). The thread
  // does it instead; what is committed, and when it is durable, does not change.
  db.pragma("wal_autocheckpoint = 0");
  const checkpointer = new WalCheckpointer({
    ...checkpoints,
    path,
    ...(logger && { logger: { warn: (message, details) => logger.warn({ ...details }, message) } }),
  });
  // Every owner of the database already closes it: closing stops the thread too, so none can leak it.
  // The database first, so that the thread's connection is the last and runs the final checkpoint.
  const close = db.close.bind(db);
  db.close = () => {
    close();
    void checkpointer.close();
    return db;
  };
  return db;
}
