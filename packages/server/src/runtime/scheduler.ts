import { parseDuration, type Schedule } from "@amstaff/core";
import { Cron } from "croner";
import { type Clock, systemClock } from "../clock.js";
import { type Due, DueQueue } from "./dueQueue.js";
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

interface Entry extends Due {
  key: string;
  job: Job;
  /** Whether a run of this entry is under way (a run that falls due meanwhile is skipped). */
  running: boolean;
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
 *
 * Every job waits in one queue by due time ({@link DueQueue}), served by a single timer armed for the
 * earliest: a node of 50,000 monitors holds one Node timer, not one `Timeout` and closure per monitor
 * re-created on every run (each survived young-generation GCs for its whole period and was promoted to the
 * old generation, a few hundred bytes per sample). Runs due at the same millisecond start in one turn.
 */
export class Scheduler {
  readonly #clock: Clock;
  readonly #slots: ProbeSlots;
  readonly #onSkip: ((key: string) => void) | undefined;
  readonly #onRun: ((latenessMs: number) => void) | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #controller = new AbortController();
  readonly #lateness: LatenessHistogram;
  readonly #queue = new DueQueue<Entry>();
  #timer: unknown;
  /** When the armed timer fires; +Infinity when none is armed. */
  #timerAt = Number.POSITIVE_INFINITY;
  /** Runs under way, and who waits for the last to settle ({@link stop}). */
  #inFlight = 0;
  #drained: (() => void) | undefined;
  #stopped: Promise<void> | undefined;
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
    const entry: Entry = {
      key,
      job,
      dueAt: 0,
      queueIndex: -1,
      queueSeq: 0,
      running: false,
      periodMs,
      offset,
      cron,
    };
    this.#entries.set(key, entry);
    this.#arm(entry, this.#firstDue(key, entry));
    this.#wake();
  }

  /** Unschedules a job; a run under way is left to finish. */
  remove(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#queue.delete(entry);
    entry.cron?.stop();
    this.#entries.delete(key);
    if (this.#queue.size === 0) this.#disarm();
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

  /** Queues the entry at `dueAt` (a cron without a next run: not at all); {@link wake} arms the timer. */
  #arm(entry: Entry, dueAt: number): void {
    if (Number.isFinite(dueAt)) this.#queue.set(entry, dueAt);
    else {
      entry.dueAt = dueAt;
      this.#queue.delete(entry);
    }
  }

  /** Arms the one timer for the earliest entry, unless it is armed for then or earlier already. */
  #wake(): void {
    const head = this.#queue.peek();
    if (head === undefined) {
      this.#disarm();
      return;
    }
    if (this.#timerAt <= head.dueAt) return;
    this.#disarm();
    const now = this.#clock.now();
    const wait = Math.min(Math.max(0, head.dueAt - now), maxTimerMs);
    this.#timerAt = now + wait;
    this.#timer = this.#clock.setTimeout(this.#onTimer, wait);
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    // Each entry at most once per firing: one re-queued at or before `now` waits for the next.
    for (let budget = this.#queue.size; budget > 0; budget--) {
      const entry = this.#queue.popDue(now);
      if (entry === undefined) break;
      this.#fire(entry, now);
    }
    this.#wake();
  };

  #fire(entry: Entry, now: number): void {
    const dueAt = entry.dueAt;
    const period = entry.periodMs;
    let next: number;
    if (period !== undefined) {
      next = this.#slotAfter(entry, dueAt);
      // Behind by more than a period (a stalled event loop, a suspended laptop): skip the missed runs.
      if (next <= now) next = nextSlot(now, period, entry.offset);
    } else {
      next = this.#nextCron(entry, Math.max(now, dueAt));
    }
    this.#arm(entry, next);
    if (entry.running) {
      this.#skipped++;
      this.#onSkip?.(entry.key);
      return;
    }
    entry.running = true;
    this.#inFlight++;
    void this.#runLimited(entry, dueAt);
  }

  async #runLimited(entry: Entry, dueAt: number): Promise<void> {
    const wait = this.#slots.acquire();
    if (wait) await wait;
    try {
      if (this.#controller.signal.aborted) return;
      this.#runs++;
      const now = this.#clock.now();
      this.#lateness.record(now - dueAt, now);
      this.#onRun?.(now - dueAt);
      await entry.job.run(this.#controller.signal);
    } catch {
      // A job handles its own failures; one that throws anyway must not stop the others.
    } finally {
      this.#slots.release();
      entry.running = false;
      if (--this.#inFlight === 0) this.#drained?.();
    }
  }

  /** Unschedules everything, aborts the runs under way and waits for them to settle. */
  async stop(): Promise<void> {
    for (const key of this.keys()) this.remove(key);
    this.#disarm();
    this.#controller.abort(new Error("scheduler stopped"));
    this.#slots.releaseAll();
    if (this.#inFlight === 0) return;
    this.#stopped ??= new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    await this.#stopped;
  }
}
