import { describe, expect, it } from "vitest";
import { ManualClock } from "../__tests__/manualClock.js";
import type { Clock } from "../clock.js";
import { nextSlot, phaseOffset } from "./phase.js";
import { type Job, Scheduler } from "./scheduler.js";

const start = Date.UTC(2026, 10, 24, 12, 0, 0);

/** A manual clock that counts the timers armed, and those armed and not yet fired or cleared. */
class CountingClock implements Clock {
  readonly live = new Set<unknown>();
  armed = 0;
  readonly #clock: ManualClock;
  constructor(at: number) {
    this.#clock = new ManualClock(at);
  }
  now = (): number => this.#clock.now();
  setTimeout = (callback: () => void, ms: number): unknown => {
    this.armed++;
    const handle: unknown = this.#clock.setTimeout(() => {
      this.live.delete(handle);
      callback();
    }, ms);
    this.live.add(handle);
    return handle;
  };
  clearTimeout = (handle: unknown): void => {
    this.live.delete(handle);
    this.#clock.clearTimeout(handle);
  };
  advance = (ms: number): Promise<void> => this.#clock.advance(ms);
}

describe("Scheduler", () => {
  it("runs an interval job at the slots of its phase without drifting, whatever each run takes", async () => {
    const clock = new ManualClock(start);
    const scheduler = new Scheduler({ clock });
    const runs: number[] = [];
    scheduler.add("a", {
      schedule: { kind: "interval", every: "10s" },
      run: async () => {
        runs.push(clock.now());
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 3_000));
      },
    });
    await clock.advance(45_000);
    // A new job runs within a second, then at k × 10 s + its offset, at least 5 s after that first run.
    const [first, ...later] = runs;
    expect(first! - start).toBeLessThan(1_000);
    const offset = phaseOffset("a", 10_000);
    expect(later[0]).toBe(nextSlot(first! + 5_000, 10_000, offset));
    expect(later.map((t) => t - later[0]!)).toEqual([0, 10_000, 20_000, 30_000].slice(0, later.length));
    expect(later.length).toBeGreaterThanOrEqual(3);
    await scheduler.stop();
  });

  it("skips a run while the previous one of the same job is still going, and never delays other jobs", async () => {
    const clock = new ManualClock(start);
    const skipped: string[] = [];
    const scheduler = new Scheduler({ clock, onSkip: (key) => skipped.push(key) });
    let fastRuns = 0;
    let hangingRuns = 0;
    scheduler.add("hanging", {
      schedule: { kind: "interval", every: "1s" },
      run: () => {
        hangingRuns++;
        return new Promise(() => {});
      },
    });
    scheduler.add("fast", { schedule: { kind: "interval", every: "1s" }, run: async () => void fastRuns++ });
    await clock.advance(4_500);
    expect(hangingRuns).toBe(1);
    expect(fastRuns).toBeGreaterThanOrEqual(4);
    expect(skipped.length).toBeGreaterThanOrEqual(3);
    expect(new Set(skipped)).toEqual(new Set(["hanging"]));
    expect(scheduler.stats().latenessMs.max).toBe(0);
    void scheduler.stop();
  });

  it("resumes after a restart at the slot after the last run: none lost, none doubled", async () => {
    const clock = new ManualClock(start);
    const scheduler = new Scheduler({ clock });
    const offset = phaseOffset("a", 60_000);
    // The last run started 25 ms after its slot, before the restart: the next is the following slot.
    const slot = nextSlot(start - 60_000, 60_000, offset);
    const job = {
      schedule: { kind: "interval", every: "1m" },
      lastRunAt: slot + 25,
      run: async () => {},
    } as const;
    scheduler.add("a", job);
    expect(scheduler.nextRunAt("a")).toBe(slot + 60_000);
    // Pushed again, or run by another node: the same key has the same slots.
    scheduler.add("a", job);
    expect(scheduler.nextRunAt("a")).toBe(slot + 60_000);
    const otherNode = new Scheduler({ clock });
    otherNode.add("a", job);
    expect(otherNode.nextRunAt("a")).toBe(slot + 60_000);
    // Down for longer than a period: the missed slot runs once, at once.
    scheduler.add("b", {
      schedule: { kind: "interval", every: "1m" },
      lastRunAt: start - 3_600_000,
      run: async () => {},
    });
    expect(scheduler.nextRunAt("b")).toBe(start);
    await Promise.all([scheduler.stop(), otherNode.stop()]);
  });

  it("puts each job at the slots of its own phase", async () => {
    const clock = new ManualClock(start);
    const scheduler = new Scheduler({ clock });
    const keys = Array.from({ length: 20 }, (_, i) => `cap-0\u0000p${i}`);
    for (const key of keys)
      scheduler.add(key, {
        schedule: { kind: "interval", every: "10s" },
        lastRunAt: start,
        run: async () => {},
      });
    for (const key of keys)
      expect(scheduler.nextRunAt(key)).toBe(nextSlot(start + 5_000, 10_000, phaseOffset(key, 10_000)));
    expect(new Set(keys.map((k) => scheduler.nextRunAt(k))).size).toBe(keys.length);
    await scheduler.stop();
  });

  it("follows cron expressions in UTC, and runs a slot missed while down exactly once", async () => {
    const clock = new ManualClock(start + 30_000);
    const scheduler = new Scheduler({ clock });
    const runs: string[] = [];
    scheduler.add("cron", {
      schedule: { kind: "cron", expression: "*/5 * * * *" },
      lastRunAt: start - 10 * 60_000,
      run: async () => void runs.push(new Date(clock.now()).toISOString()),
    });
    await clock.advance(11 * 60_000);
    expect(runs).toEqual([
      "2026-11-24T12:00:30.000Z",
      "2026-11-24T12:05:00.000Z",
      "2026-11-24T12:10:00.000Z",
    ]);
    await scheduler.stop();
  });

  it("runs at most `concurrency` jobs at once", async () => {
    const clock = new ManualClock(start);
    const scheduler = new Scheduler({ clock, concurrency: 2 });
    let active = 0;
    let peak = 0;
    for (const key of ["a", "b", "c", "d", "e"]) {
      scheduler.add(key, {
        schedule: { kind: "interval", every: "1m" },
        lastRunAt: start - 3_600_000,
        run: async () => {
          peak = Math.max(peak, ++active);
          await new Promise<void>((resolve) => clock.setTimeout(resolve, 100));
          active--;
        },
      });
    }
    await clock.advance(1_000);
    expect(peak).toBe(2);
    expect(active).toBe(0);
    await scheduler.stop();
  });
  it("counts runs and skips and reports how late runs started, waiting for a slot included", async () => {
    const clock = new ManualClock(start);
    const scheduler = new Scheduler({ clock, concurrency: 1 });
    expect(scheduler.stats()).toMatchObject({
      runs: 0,
      skipped: 0,
      latenessMs: { count: 0, p50: 0, p99: 0, max: 0 },
      slots: { limit: 1, active: 0, waiting: 0 },
    });
    // Two jobs overdue at the same moment, one slot: the second starts when the first is done, 250 ms late.
    for (const key of ["a", "b"]) {
      scheduler.add(key, {
        schedule: { kind: "interval", every: "1m" },
        lastRunAt: start - 3_600_000,
        run: () => new Promise<void>((resolve) => clock.setTimeout(resolve, 250)),
      });
    }
    await clock.advance(100);
    expect(scheduler.stats().slots).toMatchObject({ limit: 1, active: 1, waiting: 1 });
    await clock.advance(900);
    expect(scheduler.stats()).toMatchObject({
      runs: 2,
      skipped: 0,
      latenessMs: { count: 2, p50: 0, p99: 250, max: 250 },
      slots: { limit: 1, active: 0, waiting: 0 },
    });
    await scheduler.stop();
  });

  it("forgets lateness older than two windows", async () => {
    const clock = new ManualClock(start);
    const scheduler = new Scheduler({ clock, concurrency: 1, latenessWindowMs: 10_000 });
    let slow = true;
    const lastRunAt = start - 3_600_000;
    scheduler.add("slow", {
      schedule: { kind: "interval", every: "1m" },
      lastRunAt,
      run: () => new Promise<void>((resolve) => clock.setTimeout(resolve, slow ? 5_000 : 0)),
    });
    scheduler.add("late", { schedule: { kind: "interval", every: "1m" }, lastRunAt, run: async () => {} });
    await clock.advance(6_000);
    expect(scheduler.stats().latenessMs).toMatchObject({ p99: 5_000, max: 5_000 });
    slow = false;
    await clock.advance(180_000);
    expect(scheduler.stats().latenessMs).toMatchObject({ p99: 0, max: 0 });
    expect(scheduler.stats().runs).toBeGreaterThanOrEqual(6);
    await scheduler.stop();
  });

  it("serves every job from one timer, armed for the earliest due time", async () => {
    const clock = new CountingClock(start);
    const scheduler = new Scheduler({ clock, concurrency: { min: 1_000, max: 1_000 } });
    const runs = new Map<string, number[]>();
    const keys = Array.from({ length: 500 }, (_, i) => `m${i}`);
    for (const key of keys)
      scheduler.add(key, {
        schedule: { kind: "interval", every: "10s" },
        lastRunAt: start,
        run: async () => void runs.set(key, [...(runs.get(key) ?? []), clock.now()]),
      });
    expect(clock.live.size).toBe(1);
    await clock.advance(30_000);
    expect(clock.live.size).toBe(1);
    // Each job ran on the slots of its own phase, on time, whatever the other 499 did.
    for (const key of keys) {
      const first = nextSlot(start + 5_000, 10_000, phaseOffset(key, 10_000));
      expect(runs.get(key)).toEqual(
        [first, first + 10_000, first + 20_000].filter((t) => t <= start + 30_000),
      );
    }
    // Fewer timers than runs: runs due at the same millisecond share one, and no run arms one of its own.
    const ran = [...runs.values()].reduce((n, r) => n + r.length, 0);
    expect(clock.armed).toBeLessThan(ran);
    expect(scheduler.stats().latenessMs.max).toBe(0);
    await scheduler.stop();
    expect(clock.live.size).toBe(0);
  });

  it("re-arms its timer when an earlier job is added or the earliest removed, and drops it when empty", async () => {
    const clock = new CountingClock(start);
    const scheduler = new Scheduler({ clock });
    const ran: string[] = [];
    const job = (key: string, every: "10m" | "1h"): Job => ({
      schedule: { kind: "interval", every },
      lastRunAt: start,
      run: async () => void ran.push(key),
    });
    scheduler.add("late", job("late", "1h"));
    const late = scheduler.nextRunAt("late")!;
    scheduler.add("early", job("early", "10m"));
    const early = scheduler.nextRunAt("early")!;
    expect(early).toBeLessThan(late);
    expect(clock.live.size).toBe(1);
    await clock.advance(early - start);
    expect(ran).toEqual(["early"]);
    scheduler.remove("early");
    await clock.advance(late - clock.now());
    expect(ran).toEqual(["early", "late"]);
    scheduler.remove("late");
    expect(clock.live.size).toBe(0);
    await scheduler.stop();
  });

  it("waits on stop for every run under way, a removed job's included", async () => {
    const clock = new ManualClock(start);
    const scheduler = new Scheduler({ clock });
    let finished = 0;
    for (const key of ["a", "b"])
      scheduler.add(key, {
        schedule: { kind: "interval", every: "1m" },
        lastRunAt: start - 3_600_000,
        run: async (signal) => {
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
          await new Promise((resolve) => setImmediate(resolve));
          finished++;
        },
      });
    await clock.advance(10);
    scheduler.remove("a");
    await Promise.all([scheduler.stop(), scheduler.stop()]);
    expect(finished).toBe(2);
  });
});
