import { join } from "node:path";
import Database from "better-sqlite3";

/**
 * Opens (creating it if missing) the node's SQLite database in the data directory, `amstaff.db`: what
 * is local to the node (the latest results, the sample history) and, on a node that predates Raft, its
 * log until it is moved.
 */
export function openDatabase(dataDir: string): Database.Database {
  const db = new Database(join(dataDir, "amstaff.db"));
  db.pragma("journal_mode = WAL");
  // FULL makes every committed transaction durable before it is acknowledged: a command is on disk
  // before it is applied, and before any notification it causes is sent.
  db.pragma("synchronous = FULL");
  return db;
}
