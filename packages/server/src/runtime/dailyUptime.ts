import type Database from "better-sqlite3";

/** One UTC day in milliseconds. */
export const dayMs = 86_400_000;

/**
 * One monitor's samples of one UTC day on one node: `[day, ok, warning, critical, unknown]`, `day` the
 * number of days since the epoch. Counts add up across nodes, so the days of a monitor that moved
 * between nodes are the sum of each node's.
 */
export type DayCounts = [day: number, ok: number, warning: number, critical: number, unknown: number];

/** The UTC day (days since the epoch) of a time. */
export const dayOf = (t: number): number => Math.floor(t / dayMs);

/**
 * The share of a day's samples that were up (ok or warning) among those that said up or down; unknown
 * samples count neither way, as in the uptime of the transitions. Undefined when none said either.
 */
export function dayUptime(counts: DayCounts | undefined): number | undefined {
  if (!counts) return undefined;
  const [, ok, warning, critical] = counts;
  const known = ok + warning + critical;
  return known === 0 ? undefined : (ok + warning) / known;
}

/** Adds `more` into `into`, day by day; both ordered by day, and so is the result. */
export function addDays(into: readonly DayCounts[], more: readonly DayCounts[]): DayCounts[] {
  const byDay = new Map<number, DayCounts>();
  for (const row of [...into, ...more]) {
    const had = byDay.get(row[0]);
    byDay.set(
      row[0],
      had ? [row[0], had[1] + row[1], had[2] + row[2], had[3] + row[3], had[4] + row[4]] : [...row],
    );
  }
  return [...byDay.values()].sort((a, b) => a[0] - b[0]);
}

/**
 * The daily summary of the sample history (`history_daily`): per monitor and UTC day, the samples by
 * status. It is folded at write time, in the transaction that writes the samples and their 5-minute
 * buckets, so 90 days of a monitor are 90 rows read by primary key, never a scan of its buckets.
 */
export class DailySummary {
  readonly #upsert: Database.Statement;
  readonly #select: Database.Statement;
  readonly #prune: Database.Statement;

  constructor(db: Database.Database) {
    const created = !db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'history_daily'")
      .get();
    db.exec(`CREATE TABLE IF NOT EXISTS history_daily (
        series INTEGER NOT NULL, day INTEGER NOT NULL, ok INTEGER NOT NULL, warning INTEGER NOT NULL,
        critical INTEGER NOT NULL, unknown INTEGER NOT NULL, PRIMARY KEY (series, day)) WITHOUT ROWID`);
    if (created) {
      // A database from before the summary: its buckets are folded once, so the bars start with its past.
      db.exec(`INSERT OR IGNORE INTO history_daily
        SELECT series, bucket / ${dayMs}, sum(ok), sum(warning), sum(critical), sum(unknown)
        FROM history_rollup GROUP BY series, bucket / ${dayMs}`);
    }
    this.#upsert = db.prepare(`
      INSERT INTO history_daily (series, day, ok, warning, critical, unknown)
      VALUES (@series, @day, @ok, @warning, @critical, @unknown)
      ON CONFLICT (series, day) DO UPDATE SET ok = ok + excluded.ok, warning = warning + excluded.warning,
        critical = critical + excluded.critical, unknown = unknown + excluded.unknown`);
    this.#select = db.prepare(`
      SELECT d.day, d.ok, d.warning, d.critical, d.unknown FROM history_series s
      JOIN history_daily d ON d.series = s.id
      WHERE s.module = ? AND s.monitor = ? AND d.day >= ? AND d.day <= ? ORDER BY d.day`);
    this.#prune = db.prepare(
      "DELETE FROM history_daily WHERE (series, day) IN (SELECT series, day FROM history_daily WHERE day < ? LIMIT ?)",
    );
  }

  /** Folds one write's buckets (counts by status) into their days; call inside the write's transaction. */
  fold(
    buckets: Iterable<{
      series: number;
      bucket: number;
      ok: number;
      warning: number;
      critical: number;
      unknown: number;
    }>,
  ): void {
    const days = new Map<string, { series: number; day: number } & Record<Status, number>>();
    for (const b of buckets) {
      const day = dayOf(b.bucket);
      const key = `${b.series}:${day}`;
      const row = days.get(key) ?? { series: b.series, day, ok: 0, warning: 0, critical: 0, unknown: 0 };
      for (const s of statuses) row[s] += b[s];
      days.set(key, row);
    }
    for (const row of days.values()) this.#upsert.run(row);
  }

  /** A monitor's days in `[fromDay, toDay]` on this node, oldest first. */
  days(module: string, monitor: string, fromDay: number, toDay: number): DayCounts[] {
    return (
      this.#select.all(module, monitor, fromDay, toDay) as {
        day: number;
        ok: number;
        warning: number;
        critical: number;
        unknown: number;
      }[]
    ).map((r) => [r.day, r.ok, r.warning, r.critical, r.unknown]);
  }

  /** Deletes at most `limit` days before `beforeDay`; returns how many. */
  prune(beforeDay: number, limit: number): number {
    return this.#prune.run(beforeDay, limit).changes;
  }
}

type Status = "ok" | "warning" | "critical" | "unknown";
const statuses: readonly Status[] = ["ok", "warning", "critical", "unknown"];
