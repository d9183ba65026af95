import { describe, expect, it } from "vitest";
import { ManualClock } from "../__tests__/manualClock.js";
import { AppliedWaiters } from "./appliedWaiters.js";

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("AppliedWaiters", () => {
  it("wakes a waiter once its index is applied, without the clock moving", async () => {
    let applied = 3;
    const waiters = new AppliedWaiters(new ManualClock(), () => applied);
    expect(await waiters.wait(3, 1_000)).toBe(true);
    let woke: boolean | undefined;
    void waiters.wait(5, 1_000).then((ok) => (woke = ok));
    applied = 4;
    waiters.moved();
    await turn();
    expect(woke).toBeUndefined();
    applied = 5;
    waiters.moved();
    await turn();
    await turn();
    expect(woke).toBe(true);
  });

  it("gives up at the deadline on the clock, and on close", async () => {
    const clock = new ManualClock();
    const waiters = new AppliedWaiters(clock, () => 1);
    const late = waiters.wait(2, 1_000);
    await clock.advance(1_000);
    expect(await late).toBe(false);
    const closed = waiters.wait(2, 1_000);
    waiters.close();
    expect(await closed).toBe(false);
  });
});
