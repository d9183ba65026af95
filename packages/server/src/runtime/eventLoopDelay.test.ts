import { describe, expect, it } from "vitest";
import { EventLoopDelay } from "./eventLoopDelay.js";

const turn = () => new Promise((resolve) => setTimeout(resolve, 30));

describe("EventLoopDelay", () => {
  it("reports a loop blocked by synchronous work as its max, and zeros before anything was measured", async () => {
    const delay = new EventLoopDelay(60_000);
    try {
      expect(delay.summary()).toEqual({ count: 0, p50: 0, p99: 0, max: 0 });
      for (let i = 0; i < 5; i++) await turn();
      const blockedUntil = performance.now() + 300;
      while (performance.now() < blockedUntil) {
        // Holds the event loop as a backtracking regular expression would.
      }
      for (let i = 0; i < 3; i++) await turn();
      const summary = delay.summary();
      expect(summary.count).toBeGreaterThan(0);
      // A block of 300 ms is one late timer of at least 300 ms, less the 10 ms the timer waits anyway (and some slack).
      expect(summary.max).toBeGreaterThanOrEqual(280);
      expect(summary.p50).toBeLessThanOrEqual(summary.p99);
      expect(summary.p99).toBeLessThanOrEqual(summary.max);
    } finally {
      delay.stop();
    }
  });

  it("forgets a block once two windows have passed", async () => {
    const delay = new EventLoopDelay(1_000);
    try {
      for (let i = 0; i < 5; i++) await turn();
      const blockedUntil = performance.now() + 400;
      while (performance.now() < blockedUntil) {
        // A block, then quiet.
      }
      await turn();
      expect(delay.summary().max).toBeGreaterThanOrEqual(380);
      await new Promise((resolve) => setTimeout(resolve, 2_300));
      expect(delay.summary().max).toBeLessThan(300);
    } finally {
      delay.stop();
    }
  });
});
