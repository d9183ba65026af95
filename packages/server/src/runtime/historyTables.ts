import type Database from "better-sqlite3";

/**
 * Creates the sample history's tables where they are missing and prepares the statements the history
 * writes and reads them with: `history_series` (an id per monitor), `history_samples` (the raw samples,
 * kept for days) and `history_rollup` (5-minute buckets, kept for months).
 */
export function openHistoryTables(db: Database.Database): HistoryStatements {
  createTables(db);
  return prepareStatements(db);
}

/** What {@link openHistoryTables} prepares. */
export interface HistoryStatements {
  insertSeries: Database.Statement;
  findSeries: Database.Statement;
  insertSample: Database.Statement;
  countSamples: Database.Statement;
  samples: Database.Statement;
  buckets: Database.Statement;
}

function createTables(db: Database.Database): void {
  db.exec(`
      CREATE TABLE IF NOT EXISTS history_series (
        id INTEGER PRIMARY KEY, module TEXT NOT NULL, monitor TEXT NOT NULL, UNIQUE (module, monitor));
      CREATE TABLE IF NOT EXISTS history_samples (
        series INTEGER NOT NULL, t INTEGER NOT NULL, status INTEGER NOT NULL, latency_ms REAL NOT NULL,
        value REAL, message TEXT);
      CREATE INDEX IF NOT EXISTS history_samples_by_series ON history_samples (series, t);
      CREATE INDEX IF NOT EXISTS history_samples_by_time ON history_samples (t);
      CREATE TABLE IF NOT EXISTS history_rollup (
        series INTEGER NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL,
        ok INTEGER NOT NULL, warning INTEGER NOT NULL, critical INTEGER NOT NULL, unknown INTEGER NOT NULL,
        lat_min REAL NOT NULL, lat_sum REAL NOT NULL, lat_max REAL NOT NULL,
        val_count INTEGER NOT NULL, val_min REAL, val_sum REAL NOT NULL, val_max REAL,
        PRIMARY KEY (series, bucket)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS history_rollup_by_time ON history_rollup (bucket);
  `);
}

function prepareStatements(db: Database.Database): HistoryStatements {
  return {
    insertSeries: db.prepare("INSERT OR IGNORE INTO history_series (module, monitor) VALUES (?, ?)"),
    findSeries: db.prepare("SELECT id FROM history_series WHERE module = ? AND monitor = ?"),
    insertSample: db.prepare(
      "INSERT INTO history_samples (series, t, status, latency_ms, value, message) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    countSamples: db.prepare(
      "SELECT count(*) AS n FROM (SELECT 1 FROM history_samples WHERE series = ? AND t >= ? AND t <= ? LIMIT ?)",
    ),
    samples: db.prepare(
      "SELECT t, status, latency_ms, value, message FROM history_samples WHERE series = ? AND t >= ? AND t <= ? ORDER BY t LIMIT ?",
    ),
    buckets: db.prepare(
      "SELECT * FROM history_rollup WHERE series = ? AND bucket >= ? AND bucket <= ? ORDER BY bucket",
    ),
  };
}
