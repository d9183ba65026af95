import { describe, expect, it } from "vitest";
import { sampleTransition } from "./__tests__/receiver.js";
import { formatTransitionText } from "./formatTransitionText.js";

describe("formatTransitionText", () => {
  it("says the new status, where, why and what it was before", () => {
    expect(formatTransitionText(sampleTransition())).toBe(
      "[CRITICAL] User Service / Health-Check: HTTP 500 from GET http://user-service/health (was OK since 2026-11-24T01:00:00Z)",
    );
  });

  it("reports a recovery and a first status without a previous time", () => {
    const recovery = sampleTransition({
      from: "critical",
      to: "ok",
      result: { status: "ok", message: "HTTP 200\nin 12 ms", durationMs: 12, timestamp: 0 },
    });
    expect(formatTransitionText(recovery)).toBe(
      "[OK] User Service / Health-Check: HTTP 200 in 12 ms (was CRITICAL since 2026-11-24T01:00:00Z)",
    );
    expect(formatTransitionText(sampleTransition({ from: "pending", previousSince: undefined }))).toMatch(
      /\(was PENDING\)$/,
    );
  });
});
