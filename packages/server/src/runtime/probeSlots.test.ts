import { describe, expect, it } from "vitest";
import { ManualClock } from "../__tests__/manualClock.js";
import { ProbeSlots } from "./probeSlots.js";
import { Scheduler, type SchedulerOptions } from "./scheduler.js";

const start = Date.UTC(2026, 11, 6, 12, 0, 0);

/** Every `everyMs`, `batch` runs take a slot and hold it `holdMs`; counts the runs that had to wait. */
function load(clock: ManualClock, slots: ProbeSlots, batch: number, everyMs: number, holdMs: number) {
  const counts = { waited: 0, stopped: false };
  const tick = () => {
    if (counts.stopped) return;
    for (let i = 0; i < batch; i++) {
      const wait = slots.acquire();
      if (wait) counts.waited++;
      void Promise.resolve(wait).then(() => clock.setTimeout(() => slots.release(), holdMs));
    }
    clock.setTimeout(tick, everyMs);
  };
  tick();
  return counts;
}

describe("ProbeSlots", () => {
  it("sizes the slots to arrival rate × time held (Little's law), with headroom, so runs stop waiting", async () => {
    const clock = new ManualClock(start);
    const slots = new ProbeSlots(clock, { windowMs: 250 });
    // 5,000 runs a second, each holding its slot 40 ms: 200 held at any moment, more than the 32 to start with.
    const counts = load(clock, slots, 100, 20, 40);
    await clock.advance(1_000);
    expect(Math.abs(slots.stats().demand - 200)).toBeLessThan(10);
    expect(slots.stats().waiting).toBe(0);
    expect(slots.stats().limit).toBeGreaterThanOrEqual(400);
    const waitedWhileGrowing = counts.waited;
    expect(waitedWhileGrowing).toBeGreaterThan(0);
    // The first windows' queue made it overshoot; it settles at headroom × demand, and no run waits again.
    await clock.advance(5_000);
    expect(slots.stats()).toMatchObject({ limit: 400, waiting: 0 });
    expect(counts.waited).toBe(waitedWhileGrowing);
    counts.stopped = true;
  });

  it("shrinks gradually when the load falls, never below its minimum", async () => {
    const clock = new ManualClock(start);
    const slots = new ProbeSlots(clock, { min: 8, windowMs: 250 });
    const heavy = load(clock, slots, 100, 20, 40);
    await clock.advance(1_000);
    const loaded = slots.stats().limit;
    heavy.stopped = true;
    await clock.advance(100);
    const light = load(clock, slots, 1, 100, 10);
    await clock.advance(250);
    const afterOneWindow = slots.stats().limit;
    expect(afterOneWindow).toBeLessThan(loaded);
    expect(afterOneWindow).toBeGreaterThan(loaded / 2);
    await clock.advance(10_000);
    expect(slots.stats().limit).toBe(8);
    light.stopped = true;
  });

  it("lets a burst of runs (those due during a stall) through within growMs, not at the window's end", async () => {
    const clock = new ManualClock(start);
    const slots = new ProbeSlots(clock, { windowMs: 500, growMs: 25 });
    // The steady state: 200 slots held at a time (a limit of about 400).
    const steady = load(clock, slots, 100, 20, 40);
    await clock.advance(6_000);
    expect(slots.stats().waiting).toBe(0);
    expect(slots.stats().limit).toBeLessThan(500);
    steady.stopped = true;
    // Just after a window began, the event loop stalled 400 ms: 2,000 runs fall due at once.
    await clock.advance(10);
    const burstAt = clock.now();
    let lastSlotAt = 0;
    for (let i = 0; i < 2_000; i++) {
      const wait = slots.acquire();
      void Promise.resolve(wait).then(() => {
        lastSlotAt = Math.max(lastSlotAt, clock.now());
        clock.setTimeout(() => slots.release(), 40);
      });
    }
    expect(slots.stats().waiting).toBeGreaterThan(1_000);
    await clock.advance(400);
    // At the steady state's limit the burst would have taken five holds of 40 ms; every run had a slot within 25 ms.
    expect(lastSlotAt - burstAt).toBeLessThanOrEqual(25);
    expect(slots.stats().waiting).toBe(0);
  });

  it("grows to its maximum while every slot is held by probes that hang, and no further", async () => {
    const clock = new ManualClock(start);
    const slots = new ProbeSlots(clock, { max: 100 });
    const waits = Array.from({ length: 1_000 }, () => slots.acquire());
    expect(waits.filter((w) => w === undefined)).toHaveLength(32);
    // Nothing starts or ends: the recompute timer alone lets more runs through after a window.
    await clock.advance(500);
    expect(slots.stats()).toMatchObject({ limit: 100, active: 100, waiting: 900 });
    slots.releaseAll();
    expect(slots.stats()).toMatchObject({ waiting: 0, active: 1_000 });
  });
});

describe("Scheduler with adaptive probe slots", () => {
  async function lateness(concurrency: SchedulerOptions["concurrency"]) {
    const clock = new ManualClock(start);
    const scheduler = new Scheduler({ clock, concurrency, latenessWindowMs: 1_000 });
    // 500 monitors every second against a target that answers in 200 ms: 100 probes under way at a time.
    for (let i = 0; i < 500; i++) {
      scheduler.add(`slow\u0000p${i}`, {
        schedule: { kind: "interval", every: "1s" },
        run: (signal) =>
          new Promise<void>((resolve) => {
            clock.setTimeout(resolve, 200);
            signal.addEventListener("abort", () => resolve());
          }),
      });
    }
    await clock.advance(5_000);
    const stats = scheduler.stats();
    await scheduler.stop();
    return stats;
  }

  it("keeps slow probes on time where a fixed 64 slots would fall behind", async () => {
    const adaptive = await lateness(undefined);
    expect(adaptive.latenessMs).toMatchObject({ p99: 0, max: 0 });
    expect(adaptive.skipped).toBe(0);
    expect(adaptive.slots.limit).toBeGreaterThanOrEqual(200);

    const fixed = await lateness({ min: 64, max: 64 });
    expect(fixed.latenessMs.p99).toBeGreaterThan(100);
  });
});
