import { sampleTransition } from "@amstaff/core/testing";
import { describe, expect, it } from "vitest";
import { formatTransitionText } from "./formatTransitionText.js";

describe("formatTransitionText", () => {
  it("says the new status, where, why and what it was before", () => {
    expect(formatTransitionText(sampleTransition())).toBe(
      "[CRITICAL] User Service / Health-Check: HTTP 500 from GET http://user-service/health (was OK since 2026-11-24T01:00:00Z)",
    );
  });

  it("reports a recovery and a first status without a previous time", () => {
    // Outside any incident: the text says since when the monitor itself failed.
    const recovery = sampleTransition({
      incident: undefined,
      from: "critical",
      to: "ok",
      result: { status: "ok", message: "HTTP 200\nin 12 ms", durationMs: 12, timestamp: 0 },
    });
    expect(formatTransitionText(recovery)).toBe(
      "[OK] User Service / Health-Check: HTTP 200 in 12 ms (recovered from CRITICAL after 5m, failing since 2026-11-24T01:00:00Z)",
    );
    expect(formatTransitionText(sampleTransition({ from: "pending", previousSince: undefined }))).toMatch(
      /\(was PENDING\)$/,
    );
  });

  it("reads a resolve after flapping as the recovery of the incident, never as ok -> ok", () => {
    const openedAt = Date.parse("2026-11-24T00:50:00Z");
    const settled = sampleTransition({
      from: "ok",
      to: "ok",
      since: openedAt + 65 * 60_000,
      previousSince: openedAt + 64 * 60_000,
      incident: { key: "inc-42", openedAt },
      result: { status: "ok", message: "HTTP 200", durationMs: 3, timestamp: 0 },
    });
    expect(formatTransitionText(settled)).toBe(
      "[OK] User Service / Health-Check: HTTP 200 (recovered after 1h 5m, failing since 2026-11-24T00:50:00Z)",
    );
    expect(
      formatTransitionText({ ...settled, incident: { key: "inc-42", openedAt, worst: "critical" } }),
    ).toBe(
      "[OK] User Service / Health-Check: HTTP 200 (recovered from CRITICAL after 1h 5m, failing since 2026-11-24T00:50:00Z)",
    );
  });

  it("says what an escalation, a reminder and a flapping announcement are", () => {
    const incident = { key: "inc-42", openedAt: Date.parse("2026-11-24T00:50:00Z") };
    expect(formatTransitionText(sampleTransition({ kind: "escalation", from: "critical", incident }))).toBe(
      "[CRITICAL] Escalated: User Service / Health-Check: HTTP 500 from GET http://user-service/health (failing since 2026-11-24T00:50:00Z, not acknowledged)",
    );
    expect(formatTransitionText(sampleTransition({ kind: "reminder", from: "critical", incident }))).toBe(
      "[CRITICAL] Reminder: User Service / Health-Check: HTTP 500 from GET http://user-service/health (failing since 2026-11-24T00:50:00Z)",
    );
    const flapping = sampleTransition({
      kind: "flapping",
      flapping: true,
      from: "critical",
      to: "ok",
      result: { status: "ok", message: "HTTP 200", durationMs: 3, timestamp: 0 },
    });
    expect(formatTransitionText(flapping)).toBe("[FLAPPING] User Service / Health-Check: HTTP 200 (now OK)");
    expect(formatTransitionText(sampleTransition({ from: "critical", to: "critical" }))).toBe(
      "[CRITICAL] User Service / Health-Check: HTTP 500 from GET http://user-service/health (no longer flapping)",
    );
  });
});
