import { describe, expect, it } from "vitest";
import { evaluateHeartbeat } from "./evaluation.js";
import { heartbeatSamplerOptionsSchema } from "./options.js";

const minute = 60_000;
const start = Date.UTC(2026, 0, 1, 12, 0, 0);
const everyFive = heartbeatSamplerOptionsSchema.parse({ every: "5m", grace: "1m" });
const at = (now: number) => ({ now, watchedSince: start });

describe("evaluateHeartbeat on an interval", () => {
  it("is ok within the period, warning (late) in the grace period, critical after it", () => {
    const record = { lastSuccessAt: start };
    expect(evaluateHeartbeat(everyFive, record, at(start + 4 * minute)).status).toBe("ok");
    expect(evaluateHeartbeat(everyFive, record, at(start + 5 * minute)).status).toBe("ok");
    const late = evaluateHeartbeat(everyFive, record, at(start + 5 * minute + 1));
    expect(late.status).toBe("warning");
    expect(late.message).toContain("Late: a ping was expected by 2026-01-01T12:05:00.000Z");
    expect(evaluateHeartbeat(everyFive, record, at(start + 6 * minute)).status).toBe("warning");
    const missing = evaluateHeartbeat(everyFive, record, at(start + 6 * minute + 1));
    expect(missing.status).toBe("critical");
    expect(missing.message).toContain("grace 1m over");
  });

  it("gives a monitor never pinged one period from when it was first watched", () => {
    expect(evaluateHeartbeat(everyFive, undefined, at(start + minute)).message).toContain("no ping yet");
    expect(evaluateHeartbeat(everyFive, undefined, at(start + minute)).status).toBe("ok");
    expect(evaluateHeartbeat(everyFive, undefined, at(start + 7 * minute)).status).toBe("critical");
  });

  it("is critical at once after a fail ping, with its exit code and message, until the next success", () => {
    const failed = { lastSuccessAt: start, lastFailAt: start + minute, exitCode: 3, message: "disk full" };
    const result = evaluateHeartbeat(everyFive, failed, at(start + minute + 1));
    expect(result.status).toBe("critical");
    expect(result.message).toBe("The job failed with exit code 3 at 2026-01-01T12:01:00.000Z: disk full");
    expect(result.details).toMatchObject({ exitCode: 3, message: "disk full" });
    const recovered = { ...failed, lastSuccessAt: start + 2 * minute };
    expect(evaluateHeartbeat(everyFive, recovered, at(start + 3 * minute)).status).toBe("ok");
  });

  it("reports the last run time (start to success) as the value, and a run in progress", () => {
    const record = { lastStartAt: start - 90_000, lastSuccessAt: start, runMs: 90_000 };
    const result = evaluateHeartbeat(everyFive, record, at(start + minute));
    expect(result.value).toBe(90_000);
    expect(result.message).toContain("last run took 90000 ms");
    const running = { ...record, lastStartAt: start + 2 * minute };
    expect(evaluateHeartbeat(everyFive, running, at(start + 3 * minute)).message).toContain(
      "running since 2026-01-01T12:02:00.000Z",
    );
  });
});

describe("evaluateHeartbeat on a cron schedule", () => {
  const nightly = heartbeatSamplerOptionsSchema.parse({ cron: "0 3 * * *", grace: "30m" });
  const lastNight = Date.UTC(2026, 0, 1, 3, 2, 0);

  it("expects the next run after the last success, then allows the grace period", () => {
    const record = { lastSuccessAt: lastNight };
    expect(evaluateHeartbeat(nightly, record, at(Date.UTC(2026, 0, 2, 2, 59))).status).toBe("ok");
    const late = evaluateHeartbeat(nightly, record, at(Date.UTC(2026, 0, 2, 3, 10)));
    expect(late.status).toBe("warning");
    expect(late.details?.expectedAt).toBe(Date.UTC(2026, 0, 2, 3, 0));
    expect(evaluateHeartbeat(nightly, record, at(Date.UTC(2026, 0, 2, 3, 31))).status).toBe("critical");
  });

  it("reads the expression in the given time zone", () => {
    const paris = heartbeatSamplerOptionsSchema.parse({
      cron: "0 3 * * *",
      timezone: "Europe/Paris",
      grace: "1h",
    });
    const result = evaluateHeartbeat(paris, { lastSuccessAt: lastNight }, at(Date.UTC(2026, 0, 2, 2, 30)));
    // 03:00 in Paris is 02:00 UTC in winter.
    expect(result.details?.expectedAt).toBe(Date.UTC(2026, 0, 2, 2, 0));
    expect(result.status).toBe("warning");
  });
});
