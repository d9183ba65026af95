import { type SampleStatus, sampleStatuses } from "@amstaff/core";
import type Database from "better-sqlite3";
import type { Clock } from "../clock.js";
import type { StateMachine } from "../state/stateMachine.js";
import { dayMs, dayOf } from "./dailyUptime.js";
import { bucketOf } from "./openBuckets.js";
import { type Past, type PastUptime, type RecentSamples, recentSampleCount } from "./recentSamples.js";
import { turnBudget } from "./turnBudget.js";

const hourMs = 3_600_000;
/** The hours and days {@link RecentSamples} keeps (its windows). */
const hours = 24;
const days = 30;

/** Options of {@link RecentSeed}. */
export interface RecentSeedOptions {
  /** The node's database, with the sample history's tables (`sampleHistory.ts`, `dailyUptime.ts`). */
  db: Database.Database;
  recent: RecentSamples;
  machine: StateMachine;
  clock: Clock;
  /** Whether this node shows the bars of `module`'s monitors (it runs them): the others are not seeded. */
  runsHere(module: string): boolean;
  /** How long one slice of reads may hold the event loop. @default 8 */
  budgetMs?: number | undefined;
}

/** What a seeding did. */
export interface RecentSeedStats {
  /** Monitors that had history and were seeded. */
  monitors: number;
  /** Samples put in their rings. */
  samples: number;
  /** How long it took, turns between slices included. */
  tookMs: number;
  /** Whether it was stopped before the end. */
  stopped: boolean;
}

/**
 * Fills {@link RecentSamples} from the node's own sample history when it starts, so the overview's bars
 * and 24 h / 30 d uptime go on where they were instead of starting empty: per monitor of the modules
 * this node runs, its last 30 samples (`history_samples`), its hours (the 5-minute buckets of
 * `history_rollup` and the raw samples of the bucket under way) and its days (`history_daily`).
 *
 * Sampling starts meanwhile (50,000 monitors take seconds to read, sliced across turns). A monitor is
 * seeded with what its history holds from before `cutoff`: the first sample recorded live since the
 * start, or now when there is none yet. Every live sample is at or after it and every one before it is
 * the previous run's, so none counts twice; the reads of one monitor and its seeding happen in one turn.
 * The history's buckets and days are complete for that time: at open, `OpenBuckets` rebuilds those the
 * previous run left open, and the live samples' buckets all lie at or after `bucketOf(cutoff)`, read
 * from the raw samples instead.
 */
export class RecentSeed {
  readonly #options: RecentSeedOptions;
  readonly #statements: ReturnType<typeof prepare>;
  #stopped = false;

  constructor(options: RecentSeedOptions) {
    this.#options = options;
    this.#statements = prepare(options.db);
  }

  /** Seeds every monitor of the modules this node runs now, a slice per turn, until done or {@link stop}. */
  async run(): Promise<RecentSeedStats> {
    const { machine, runsHere, budgetMs } = this.#options;
    const started = performance.now();
    const stats: RecentSeedStats = { monitors: 0, samples: 0, tookMs: 0, stopped: false };
    const monitors = machine
      .modules()
      .filter((m) => runsHere(m.name))
      .flatMap((m) => m.definition.monitors.map((d): [string, string] => [m.name, d.name]));
    const pause = turnBudget(budgetMs ?? 8);
    for (const [module, monitor] of monitors) {
      await pause();
      if (this.#stopped) break;
      // Deleted, replaced without it, or moved to another node since the list was made.
      const stored = machine.module(module);
      if (!stored?.definition.monitors.some((d) => d.name === monitor) || !runsHere(module)) continue;
      const seeded = this.seedOne(module, monitor);
      if (seeded === undefined) continue;
      stats.monitors++;
      stats.samples += seeded;
    }
    stats.stopped = this.#stopped;
    stats.tookMs = performance.now() - started;
    return stats;
  }

  /**
   * Seeds one monitor from its history before its cutoff (see the class).
   *
   * @returns how many samples went into its ring, or undefined when it has no history on this node.
   */
  seedOne(module: string, monitor: string): number | undefined {
    const { recent, clock } = this.#options;
    const s = this.#statements;
    const series = (s.findSeries.get(module, monitor) as { id: number } | undefined)?.id;
    if (series === undefined) return undefined;
    const cutoff = Math.min(recent.liveSince(module, monitor) ?? Number.POSITIVE_INFINITY, clock.now());
    const firstHour = Math.floor(cutoff / hourMs) * hourMs - (hours - 1) * hourMs;
    const today = dayOf(cutoff);
    const samples = (
      s.lastSamples.all(series, cutoff, recentSampleCount) as {
        t: number;
        status: number;
        latency_ms: number;
        message: string | null;
      }[]
    )
      .reverse()
      .map((r) => ({
        t: r.t,
        status: (sampleStatuses[r.status] ?? "unknown") as SampleStatus,
        latencyMs: r.latency_ms,
        message: r.message ?? undefined,
      }));
    const byHour = s.hours.all({
      series,
      from: firstHour,
      bucket: bucketOf(cutoff),
      cutoff,
    }) as PastUptime[];
    const byDay = s.days.all(series, today - (days - 1), today) as PastUptime[];
    // Today so far is in the hours (it began less than 24 hours before the cutoff); the days before it
    // come whole from the daily summary.
    const todaySoFar = byHour.filter((h) => h.t >= today * dayMs);
    if (todaySoFar.length > 0) {
      byDay.push({
        t: today * dayMs,
        up: todaySoFar.reduce((n, h) => n + h.up, 0),
        counted: todaySoFar.reduce((n, h) => n + h.counted, 0),
      });
    }
    if (samples.length === 0 && byHour.length === 0 && byDay.length === 0) return undefined;
    const past: Past = { samples, hours: byHour, days: byDay };
    recent.seed(module, monitor, past);
    return Math.min(samples.length, recentSampleCount);
  }

  /** Stops at the next slice: nothing is read after this returns (call before closing the database). */
  stop(): void {
    this.#stopped = true;
  }
}

function prepare(db: Database.Database) {
  // Statuses are stored as their index in `sampleStatuses`: 0 ok, 1 warning, 2 critical, 3 unknown.
  // Up is ok or warning, counted is anything but unknown, as `RecentSamples.record` counts them.
  return {
    findSeries: db.prepare("SELECT id FROM history_series WHERE module = ? AND monitor = ?"),
    lastSamples: db.prepare(
      "SELECT t, status, latency_ms, message FROM history_samples WHERE series = ? AND t < ? ORDER BY t DESC LIMIT ?",
    ),
    hours: db.prepare(`
      SELECT hour * ${hourMs} AS t, sum(up) AS up, sum(counted) AS counted FROM (
        SELECT CAST(bucket / ${hourMs} AS INTEGER) AS hour, ok + warning AS up,
          ok + warning + critical AS counted
        FROM history_rollup WHERE series = @series AND bucket >= @from AND bucket < @bucket
        UNION ALL
        SELECT CAST(t / ${hourMs} AS INTEGER), status IN (0, 1), status IN (0, 1, 2)
        FROM history_samples WHERE series = @series AND t >= @bucket AND t < @cutoff)
      GROUP BY hour ORDER BY hour`),
    days: db.prepare(`
      SELECT day * ${dayMs} AS t, ok + warning AS up, ok + warning + critical AS counted
      FROM history_daily WHERE series = ? AND day >= ? AND day < ? ORDER BY day`),
  };
}
