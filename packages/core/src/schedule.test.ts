import { describe, expect, it } from "vitest";
import { isAmstaffError } from "./errors.js";
import { isDuration, parseDuration, scheduleSchema } from "./schedule.js";
import { resolveSecrets } from "./secret.js";
import { checkThresholds } from "./thresholds.js";

describe("parseDuration", () => {
  it("reads every unit", () => {
    expect(["250ms", "30s", "5m", "1h", "2d", "1.5s"].map(parseDuration)).toEqual([
      250, 30_000, 300_000, 3_600_000, 172_800_000, 1500,
    ]);
  });

  it("refuses what people mistype, with a hint", () => {
    for (const bad of ["30 minutes", "30", "s", "-5s", "0s", "0.5ms", "5M"]) {
      expect(() => parseDuration(bad), bad).toThrowError(/like "500ms", "30s"/);
    }
  });

  it("tells whether a duration is one it reads, for option schemas", () => {
    expect(["250ms", "30s", "1.5s"].map(isDuration)).toEqual([true, true, true]);
    expect(["30 minutes", "0s", "0.5ms", ""].map(isDuration)).toEqual([false, false, false, false]);
  });

  it("validates schedules", () => {
    expect(scheduleSchema.safeParse({ kind: "interval", every: "30s" }).success).toBe(true);
    expect(scheduleSchema.safeParse({ kind: "interval", every: "10ms" }).success).toBe(false);
    expect(scheduleSchema.safeParse({ kind: "cron", expression: "*/5 * * * *" }).success).toBe(true);
    expect(scheduleSchema.safeParse({ kind: "cron", expression: "*/5 * *" }).success).toBe(false);
  });
});

describe("resolveSecrets", () => {
  it("replaces references deeply and names a missing secret without leaking values", () => {
    const env: Record<string, string> = { TOKEN: "xoxb-123" };
    const options = { headers: { authorization: { $secret: "TOKEN" } }, list: [{ $secret: "TOKEN" }], n: 1 };
    expect(resolveSecrets(options, (n) => env[n])).toEqual({
      headers: { authorization: "xoxb-123" },
      list: ["xoxb-123"],
      n: 1,
    });
    try {
      resolveSecrets({ a: { $secret: "MISSING_ONE" } }, (n) => env[n]);
      expect.unreachable();
    } catch (error) {
      expect(isAmstaffError(error, "AMS_ERR_SECRET_MISSING")).toBe(true);
      expect(String(error)).toContain("MISSING_ONE");
    }
  });
});

describe("checkThresholds", () => {
  it("handles both directions, and a value equal to a threshold crosses it", () => {
    expect(checkThresholds(500, { warning: 300, critical: 1000 }).status).toBe("warning");
    expect(checkThresholds(1000, { warning: 300, critical: 1000 })).toEqual({
      status: "critical",
      threshold: 1000,
    });
    expect(checkThresholds(5, { warning: 10, critical: 2, direction: "below" }).status).toBe("warning");
    expect(checkThresholds(50, { warning: 10, direction: "below" }).status).toBe("ok");
  });
});
