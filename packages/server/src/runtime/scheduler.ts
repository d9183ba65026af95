import { parseDuration, type Schedule } from "@amstaff/core";
import { Cron } from "croner";
import { type Clock, systemClock } from "../clock.js";
import { LatenessHistogram, type LatenessSummary } from "./latenessHistogram.js";

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  clock?: Clock;
  /** How many jobs may run at once across the node; the rest wait for a slot. @default 64 */
  concurrency?: number;
  /** Random numbers in [0, 1) for jitter. @default Math.random */
  random?: () => number;
  /** Called when a run is skipped because the previous one is still going. */
  onSkip?: (key: string) => void;
  /** Called as each run starts, with how late it started against its due time (for metrics). */
  onRun?: (latenessMs: number) => void;
  /** How long each of the two lateness histograms collects; stats cover the last one to two windows. @default 10000 */
  latenessWindowMs?: number;
}

/** What {@link Scheduler.stats} returns: counters since start, and lateness over a recent window. */
export interface SchedulerStats {
  /** Runs started since the scheduler was created. */
  runs: number;
  /** Runs skipped because the previous run of the same job was still going. */
  skipped: number;
  /** How late runs started against their due time (waiting for a concurrency slot included), in ms. */
  latenessMs: LatenessSummary;
}

/** One scheduled job. */
export interface Job {
  schedule: Schedule;
  /** When the job last ran (from before a restart, say), so no run is lost or doubled. */
  lastRunAt?: number | undefined;
  /** The work. Rejections are the job's business: the scheduler ignores them. */
  run: (signal: AbortSignal) => Promise<void>;
}

interface Entry {
  job: Job;
  timer: unknown;
  /** When the pending timer is due. */
  dueAt: number;
  running: Promise<void> | undefined;
  /** An interval job's period, parsed once; undefined for a cron job. */
  periodMs: number | undefined;
  cron: Cron | undefined;
}

// setTimeout overflows past 2^31-1 ms; longer waits are cut into steps.
const maxTimerMs = 2 ** 31 - 1;
// The first run of a new job lands within this much of being scheduled, spreading a big push's load.
const firstRunSpreadMs = 1_000;

/**
 * Runs jobs on interval and cron schedules (cron arithmetic by croner), never two runs of the same job
 * at once, at most `concurrency` jobs at a time, with a clock that tests can replace.
 *
 * Interval runs are spaced from their due time, not from when the previous run finished, so a slow
 * probe does not make its schedule drift; a run that falls due while the previous is still going is
 * skipped rather than queued, so a hanging target cannot build up a backlog.
 */
export class Scheduler {
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #concurrency: number;
  readonly #onSkip: ((key: string) => void) | undefined;
  readonly #onRun: ((latenessMs: number) => void) | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #controller = new AbortController();
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #lateness: LatenessHistogram;
  #runs = 0;
  #skipped = 0;

  constructor(options: SchedulerOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#concurrency = options.concurrency ?? 64;
    this.#onSkip = options.onSkip;
    this.#onRun = options.onRun;
    this.#lateness = new LatenessHistogram(options.latenessWindowMs ?? 10_000);
  }

  /** Runs and skips since start, and how late runs started over the last one to two lateness windows. */
  stats(): SchedulerStats {
    return {
      runs: this.#runs,
      skipped: this.#skipped,
      latenessMs: this.#lateness.summary(this.#clock.now()),
    };
  }

  /** Schedules a job under a key, replacing any job of that key. */
  add(key: string, job: Job): void {
    this.remove(key);
    const cron =
      job.schedule.kind === "cron"
        ? new Cron(job.schedule.expression, { paused: true, timezone: job.schedule.timezone ?? "UTC" })
        : undefined;
    const periodMs = job.schedule.kind === "interval" ? parseDuration(job.schedule.every) : undefined;
    const entry: Entry = { job, timer: undefined, dueAt: 0, running: undefined, periodMs, cron };
    this.#entries.set(key, entry);
    this.#arm(key, entry, this.#firstDue(entry));
  }

  /** Unschedules a job; a run under way is left to finish. */
  remove(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#clock.clearTimeout(entry.timer);
    entry.cron?.stop();
    this.#entries.delete(key);
  }

  /** The keys of every scheduled job. */
  keys(): string[] {
    return [...this.#entries.keys()];
  }

  /** When a job is next due, for status pages and tests. */
  nextRunAt(key: string): number | undefined {
    return this.#entries.get(key)?.dueAt;
  }

  #firstDue(entry: Entry): number {
    const now = this.#clock.now();
    const { lastRunAt } = entry.job;
    const period = entry.periodMs;
    if (period !== undefined) {
      if (lastRunAt === undefined)
        return now + Math.floor(this.#random() * Math.min(period, firstRunSpreadMs));
      return Math.max(now, lastRunAt + period);
    }
    // A cron slot missed while the node was down runs once at start, not once per missed slot.
    if (lastRunAt !== undefined) {
      const missed = entry.cron?.nextRun(new Date(lastRunAt));
      if (missed && missed.getTime() <= now) return now;
    }
    return this.#nextCron(entry, now);
  }

  #nextCron(entry: Entry, after: number): number {
    const next = entry.cron?.nextRun(new Date(after));
    return next ? next.getTime() : Number.POSITIVE_INFINITY;
  }

  #arm(key: string, entry: Entry, dueAt: number): void {
    entry.dueAt = dueAt;
    if (!Number.isFinite(dueAt)) return;
    const wait = Math.max(0, dueAt - this.#clock.now());
    entry.timer = this.#clock.setTimeout(
      () => (wait > maxTimerMs ? this.#arm(key, entry, dueAt) : this.#fire(key, entry)),
      Math.min(wait, maxTimerMs),
    );
  }

  #fire(key: string, entry: Entry): void {
    if (this.#entries.get(key) !== entry) return;
    const dueAt = entry.dueAt;
    const period = entry.periodMs;
    const now = this.#clock.now();
    let next: number;
    if (period !== undefined) {
      // Behind by more than a period (a stalled event loop, a suspended laptop): skip the missed runs.
      next = dueAt + period;
      if (next <= now) next = now + period - ((now - dueAt) % period);
    } else {
      next = this.#nextCron(entry, Math.max(now, dueAt));
    }
    this.#arm(key, entry, next);
    if (entry.running) {
      this.#skipped++;
      this.#onSkip?.(key);
      return;
    }
    entry.running = this.#runLimited(entry.job, dueAt).finally(() => {
      entry.running = undefined;
    });
  }

  async #runLimited(job: Job, dueAt: number): Promise<void> {
    if (this.#active >= this.#concurrency) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (this.#controller.signal.aborted) return;
    this.#active++;
    this.#runs++;
    const now = this.#clock.now();
    this.#lateness.record(now - dueAt, now);
    this.#onRun?.(now - dueAt);
    try {
      await job.run(this.#controller.signal);
    } catch {
      // A job handles its own failures; one that throws anyway must not stop the others.
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }

  /** Unschedules everything, aborts the runs under way and waits for them to settle. */
  async stop(): Promise<void> {
    const running = [...this.#entries.values()].flatMap((e) => (e.running ? [e.running] : []));
    for (const key of this.keys()) this.remove(key);
    this.#controller.abort(new Error("scheduler stopped"));
    for (const release of this.#waiting.splice(0)) release();
    await Promise.allSettled(running);
  }
}
