import { describe, expect, it } from "vitest";
import { backoffMs, defaultRetryPolicy } from "./retryPolicy.js";

const policy = { ...defaultRetryPolicy, baseDelayMs: 1_000, maxDelayMs: 60_000 };

describe("backoffMs", () => {
  it("doubles the ceiling at each attempt, half of it fixed and half random", () => {
    expect(backoffMs(policy, 1, 0, () => 0)).toBe(500);
    expect(backoffMs(policy, 1, 0, () => 0.999_999)).toBe(999);
    expect(backoffMs(policy, 3, 0, () => 0)).toBe(2_000);
    expect(backoffMs(policy, 3, 0, () => 0.5)).toBe(3_000);
  });

  it("never waits longer than the policy's maximum, however many attempts", () => {
    expect(backoffMs(policy, 7, 0, () => 0.999_999)).toBe(59_999);
    expect(backoffMs(policy, 40, 0, () => 0.999_999)).toBeLessThanOrEqual(60_000);
    expect(backoffMs(policy, 40, 0, () => 0)).toBe(30_000);
  });

  it("waits at least what the receiver asked, up to the maximum", () => {
    expect(backoffMs(policy, 1, 45_000, () => 0)).toBe(45_000);
    expect(backoffMs(policy, 1, 3_600_000, () => 0)).toBe(60_000);
  });
});
