import { sampleTransition } from "@amstaff/core/testing";
import { describe, expect, it } from "vitest";
import { alertAlias, alertLimits, closeAlertRequest, createAlertRequest } from "./alertRequests.js";
import { opsgenieOptionsSchema } from "./options.js";

const options = (extra: Record<string, unknown> = {}) =>
  opsgenieOptionsSchema.parse({ apiKey: "k", ...extra });

describe("createAlertRequest", () => {
  it("stays within OpsGenie's documented limits whatever the monitor sends", () => {
    const transition = sampleTransition({
      module: "m".repeat(600),
      tags: Array.from({ length: 30 }, (_, i) => `tag-${i}-${"t".repeat(60)}`),
      result: { status: "critical", message: "x".repeat(20_000), durationMs: 1, timestamp: 0 },
      incident: { key: "k".repeat(600), openedAt: 0 },
    });
    const body = createAlertRequest(transition, options());
    expect(body.message.length).toBeLessThanOrEqual(alertLimits.message);
    expect(body.alias.length).toBeLessThanOrEqual(alertLimits.alias);
    expect(body.description.length).toBeLessThanOrEqual(alertLimits.description);
    expect(body.entity.length).toBeLessThanOrEqual(alertLimits.entity);
    expect(body.tags).toHaveLength(alertLimits.tags);
    for (const tag of body.tags) expect(tag.length).toBeLessThanOrEqual(alertLimits.tag);
    const detailChars = Object.entries(body.details).reduce((n, [k, v]) => n + k.length + v.length, 0);
    expect(detailChars).toBeLessThanOrEqual(alertLimits.details);
  });

  it("never sends a blank message, which OpsGenie would refuse", () => {
    expect(
      createAlertRequest(sampleTransition({ link: undefined }), options({ message: "{{link}}" })).message,
    ).toBe("User Service / Health-Check: HTTP 500 from GET http://user-service/health");
  });

  it("keeps a long incident key's alias stable", () => {
    const transition = sampleTransition({ incident: { key: "k".repeat(600), openedAt: 0 } });
    expect(alertAlias(transition)).toBe(alertAlias(transition));
    expect(alertAlias(transition)).toMatch(/^amstaff:[0-9a-f]{64}$/);
  });

  it("prefers the alias the incident's first delivery used", () => {
    expect(alertAlias(sampleTransition(), { requestId: "r", alias: "opened-with" })).toBe("opened-with");
  });
});

describe("closeAlertRequest", () => {
  it("closes a flapping monitor's alert as the recovery of its incident, never from ok", () => {
    const openedAt = Date.parse("2026-11-24T01:00:00Z");
    const settled = sampleTransition({
      from: "ok",
      to: "ok",
      since: Date.parse("2026-11-24T02:05:00Z"),
      previousSince: Date.parse("2026-11-24T02:04:00Z"),
      incident: { key: "inc-42", openedAt, worst: "critical" },
      result: { status: "ok", message: "HTTP 200", durationMs: 1, timestamp: 0 },
    });
    expect(closeAlertRequest(settled, options()).note).toBe("Recovered from CRITICAL after 1h 5m: HTTP 200");
    // Recorded before incidents knew their worst status: the duration, and no "from OK".
    expect(closeAlertRequest({ ...settled, incident: { key: "inc-42", openedAt } }, options()).note).toBe(
      "Recovered after 1h 5m: HTTP 200",
    );
  });

  it("says how long the monitor failed", () => {
    const transition = sampleTransition({
      from: "critical",
      to: "ok",
      since: Date.parse("2026-11-24T02:05:00Z"),
      previousSince: Date.parse("2026-11-24T01:05:00Z"),
      result: { status: "ok", message: "HTTP 200", durationMs: 1, timestamp: 0 },
    });
    expect(closeAlertRequest(transition, options())).toEqual({
      source: "Amstaff",
      note: "Recovered from CRITICAL after 1h: HTTP 200",
    });
    expect(closeAlertRequest(transition, options({ closeNote: "{{monitor}} ok" })).note).toBe(
      "Health-Check ok",
    );
  });
});
