import { describe, expect, it } from "vitest";
import { ManualClock } from "../__tests__/manualClock.js";
import { Scheduler } from "./scheduler.js";

const start = Date.UTC(2026, 10, 24, 12, 0, 0);

describe("Scheduler", () => {
  it("runs an interval job on its period without drifting, whatever each run takes", async () => {
    const clock = new ManualClock(start);
    const scheduler = new Scheduler({ clock, random: () => 0 });
    const runs: number[] = [];
    scheduler.add("a", {
      schedule: { kind: "interval", every: "10s" },
      run: async () => {
        runs.push(clock.now() - start);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 3_000));
      },
    });
    await clock.advance(35_000);
    expect(runs).toEqual([0, 10_000, 20_000, 30_000]);
    await scheduler.stop();
  });

  it("skips a run while the previous one of the same job is still going, and never delays other jobs", async () => {
    const clock = new ManualClock(start);
    const skipped: string[] = [];
    const scheduler = new Scheduler({ clock, random: () => 0, onSkip: (key) => skipped.push(key) });
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
    expect(fastRuns).toBe(5);
    expect(skipped).toEqual(["hanging", "hanging", "hanging", "hanging"]);
    void scheduler.stop();
  });

  it("resumes after a restart from the last run instead of starting over", async () => {
    const clock = new ManualClock(start);
    const scheduler = new Scheduler({ clock, random: () => 0.99 });
    scheduler.add("a", {
      schedule: { kind: "interval", every: "1m" },
      lastRunAt: start - 20_000,
      run: async () => {},
    });
    expect(scheduler.nextRunAt("a")).toBe(start + 40_000);
    scheduler.add("b", {
      schedule: { kind: "interval", every: "1m" },
      lastRunAt: start - 3_600_000,
      run: async () => {},
    });
    expect(scheduler.nextRunAt("b")).toBe(start);
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
    const scheduler = new Scheduler({ clock, concurrency: 2, random: () => 0 });
    let active = 0;
    let peak = 0;
    for (const key of ["a", "b", "c", "d", "e"]) {
      scheduler.add(key, {
        schedule: { kind: "interval", every: "1m" },
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
    const scheduler = new Scheduler({ clock, concurrency: 1, random: () => 0 });
    expect(scheduler.stats()).toEqual({
      runs: 0,
      skipped: 0,
      latenessMs: { count: 0, p50: 0, p99: 0, max: 0 },
    });
    // Two jobs due at the same moment, one slot: the second starts when the first is done, 250 ms late.
    for (const key of ["a", "b"]) {
      scheduler.add(key, {
        schedule: { kind: "interval", every: "1s" },
        run: () => new Promise<void>((resolve) => clock.setTimeout(resolve, 250)),
      });
    }
    await clock.advance(3_900);
    expect(scheduler.stats()).toEqual({
      runs: 8,
      skipped: 0,
      latenessMs: { count: 8, p50: 0, p99: 250, max: 250 },
    });
    await scheduler.stop();
  });

  it("forgets lateness older than two windows", async () => {
    const clock = new ManualClock(start);
    const scheduler = new Scheduler({ clock, concurrency: 1, random: () => 0, latenessWindowMs: 10_000 });
    let slow = true;
    scheduler.add("slow", {
      schedule: { kind: "interval", every: "1m" },
      run: () => new Promise<void>((resolve) => clock.setTimeout(resolve, slow ? 5_000 : 0)),
    });
    scheduler.add("late", { schedule: { kind: "interval", every: "1m" }, run: async () => {} });
    await clock.advance(6_000);
    expect(scheduler.stats().latenessMs).toMatchObject({ p99: 5_000, max: 5_000 });
    slow = false;
    await clock.advance(55_000);
    expect(scheduler.stats().latenessMs).toEqual({ count: 2, p50: 0, p99: 0, max: 0 });
    expect(scheduler.stats().runs).toBe(4);
    await scheduler.stop();
  });
});
