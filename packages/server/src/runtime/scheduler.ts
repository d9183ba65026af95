import { parseDuration, type Schedule } from "@amstaff/core";
import { Cron } from "croner";
import { type Clock, systemClock } from "../clock.js";
import { LatenessHistogram, type LatenessSummary } from "./latenessHistogram.js";
import { nextSlot, phaseHash, phaseOffset } from "./phase.js";
import { ProbeSlots, type ProbeSlotsOptions, type ProbeSlotsStats } from "./probeSlots.js";

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  clock?: Clock;
  /**
   * The most jobs that may run at once across the node; the rest wait for a slot. Below it, the number
   * of slots follows the measured demand ({@link ProbeSlots}). A number is the upper bound; an object
   * sets every bound. @default 4096
   */
  concurrency?: number | ProbeSlotsOptions;
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
  /** The probe slots: how many there are now, how many are held, how many runs wait for one. */
  slots: ProbeSlotsStats;
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
  /** An interval job's slots are `k × periodMs + offset` ({@link phaseOffset}). */
  offset: number;
  cron: Cron | undefined;
}

// setTimeout overflows past 2^31-1 ms; longer waits are cut into steps.
const maxTimerMs = 2 ** 31 - 1;
// A new job's first run lands within this much of being scheduled (by the same hash as its phase), so a
// pushed monitor shows a result at once; its runs after that keep to its phase.
const firstRunSpreadMs = 1_000;

/**
 * Runs jobs on interval and cron schedules (cron arithmetic by croner), never two runs of the same job
 * at once, within the node's probe slots, with a clock that tests can replace.
 *
 * An interval job runs at the slots of its phase, `k × period + offset` with the offset a hash of its
 * key ({@link phaseOffset}): a node's jobs fall due evenly over their period instead of in bursts, and
 * a job keeps its slots across restarts, re-pushes and failovers, since every node computes the same
 * ones. Runs are spaced from their due time, not from when the previous run finished, so a slow probe
 * does not make its schedule drift; a run that falls due while the previous is still going is skipped
 * rather than queued, so a hanging target cannot build up a backlog.
 */
export class Scheduler {
  readonly #clock: Clock;
  readonly #slots: ProbeSlots;
  readonly #onSkip: ((key: string) => void) | undefined;
  readonly #onRun: ((latenessMs: number) => void) | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #controller = new AbortController();
  readonly #lateness: LatenessHistogram;
  #runs = 0;
  #skipped = 0;

  constructor(options: SchedulerOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    const concurrency = options.concurrency;
    this.#slots = new ProbeSlots(
      this.#clock,
      typeof concurrency === "number" ? { max: concurrency } : (concurrency ?? {}),
    );
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
      slots: this.#slots.stats(),
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
    const offset = periodMs === undefined ? 0 : phaseOffset(key, periodMs);
    const entry: Entry = { job, timer: undefined, dueAt: 0, running: undefined, periodMs, offset, cron };
    this.#entries.set(key, entry);
    this.#arm(key, entry, this.#firstDue(key, entry));
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

  #firstDue(key: string, entry: Entry): number {
    const now = this.#clock.now();
    const { lastRunAt } = entry.job;
    const period = entry.periodMs;
    if (period !== undefined) {
      if (lastRunAt === undefined) return now + (phaseHash(key) % Math.min(period, firstRunSpreadMs));
      // Overdue (down for longer than a period, or taken over from a node that died): run at once.
      return Math.max(now, this.#slotAfter(entry, lastRunAt));
    }
    // A cron slot missed while the node was down runs once at start, not once per missed slot.
    if (lastRunAt !== undefined) {
      const missed = entry.cron?.nextRun(new Date(lastRunAt));
      if (missed && missed.getTime() <= now) return now;
    }
    return this.#nextCron(entry, now);
  }

  /**
   * The slot after a run at `t`: the first of the phase at least half a period later. A run on its slot
   * (late by less than half a period) is followed by the next slot; a run off the phase (a first run, a
   * catch-up) is never followed by another within half a period.
   */
  #slotAfter(entry: Entry, t: number): number {
    const period = entry.periodMs!;
    return nextSlot(t + Math.floor(period / 2), period, entry.offset);
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
      next = this.#slotAfter(entry, dueAt);
      // Behind by more than a period (a stalled event loop, a suspended laptop): skip the missed runs.
      if (next <= now) next = nextSlot(now, period, entry.offset);
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
    const wait = this.#slots.acquire();
    if (wait) await wait;
    try {
      if (this.#controller.signal.aborted) return;
      this.#runs++;
      const now = this.#clock.now();
      this.#lateness.record(now - dueAt, now);
      this.#onRun?.(now - dueAt);
      await job.run(this.#controller.signal);
    } catch {
      // A job handles its own failures; one that throws anyway must not stop the others.
    } finally {
      this.#slots.release();
    }
  }

  /** Unschedules everything, aborts the runs under way and waits for them to settle. */
  async stop(): Promise<void> {
    const running = [...this.#entries.values()].flatMap((e) => (e.running ? [e.running] : []));
    for (const key of this.keys()) this.remove(key);
    this.#controller.abort(new Error("scheduler stopped"));
    this.#slots.releaseAll();
    await Promise.allSettled(running);
  }
}
