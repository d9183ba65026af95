import { describe, expect, it } from "vitest";
import { isResolve, recoveryOf } from "./recovery.js";
import { renderTemplate } from "./template.js";
import type { Transition } from "./transition.js";

const opened = Date.UTC(2026, 10, 24, 3, 0, 0);
const base: Transition = {
  id: "c1-9",
  module: "Shop",
  monitor: "Gateway",
  tags: [],
  from: "critical",
  to: "ok",
  since: opened + 65 * 60_000,
  previousSince: opened + 60 * 60_000,
  result: { status: "ok", message: "HTTP 200", durationMs: 3, timestamp: 0 },
  incident: { key: "c1-1", openedAt: opened, worst: "critical" },
  kind: "transition",
};

describe("recoveryOf", () => {
  it("reads a resolve as the recovery of the whole incident", () => {
    expect(recoveryOf(base)).toEqual({ from: "critical", openedAt: opened, durationMs: 65 * 60_000 });
  });

  it("reads a resolve recorded as ok -> ok after flapping from its incident, not from ok", () => {
    const flapped: Transition = { ...base, from: "ok", incident: { key: "c1-1", openedAt: opened } };
    expect(isResolve(flapped)).toBe(true);
    expect(recoveryOf(flapped)).toEqual({ openedAt: opened, durationMs: 65 * 60_000 });
    expect(renderTemplate("{{TO}} after {{duration}}", flapped)).toBe("OK after 1h 5m");
    expect(
      renderTemplate("{{FROM}} -> {{TO}}", {
        ...flapped,
        incident: { ...flapped.incident!, worst: "warning" },
      }),
    ).toBe("WARNING -> OK");
  });

  it("is undefined for anything but a resolve", () => {
    expect(recoveryOf({ ...base, to: "critical", from: "ok" })).toBeUndefined();
    expect(recoveryOf({ ...base, kind: "flapping" })).toBeUndefined();
    expect(recoveryOf({ ...base, from: "pending", incident: undefined })).toBeUndefined();
  });
});
