import type { SampleResult, SampleStatus } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { RecentSamples, recentSampleCount } from "./recentSamples.js";

const hour = 3_600_000;
const day = 24 * hour;
const start = Date.UTC(2026, 11, 1);
const result = (status: SampleStatus, timestamp: number, durationMs = 10): SampleResult => ({
  status,
  message: `${status} at ${timestamp}`,
  durationMs,
  timestamp,
});

describe("RecentSamples", () => {
  it("keeps the last 30 samples of a monitor, oldest first, with messages only for those not ok", () => {
    const recent = new RecentSamples();
    for (let i = 0; i < 45; i++)
      recent.record("m", "a", result(i % 10 === 0 ? "critical" : "ok", start + i * 1000, i + 0.4));
    const glance = recent.glance("m", "a", start + 45_000)!;
    expect(glance.t).toHaveLength(recentSampleCount);
    expect(glance.t[0]).toBe(start + 15_000);
    expect(glance.t.at(-1)).toBe(start + 44_000);
    expect(glance.lat.slice(0, 2)).toEqual([15, 16]);
    expect(glance.s.filter((s) => s === "critical")).toHaveLength(3);
    expect(glance.msg.filter((m) => m !== undefined)).toEqual([
      `critical at ${start + 20_000}`,
      `critical at ${start + 30_000}`,
      `critical at ${start + 40_000}`,
    ]);
    expect(recent.glance("m", "other", start)).toBeUndefined();
  });

  it("reads a bar (a letter per status, whole-millisecond latencies) that agrees with the glance", () => {
    const recent = new RecentSamples();
    const statuses: SampleStatus[] = ["ok", "warning", "critical", "unknown"];
    for (let i = 0; i < 33; i++) recent.record("m", "a", result(statuses[i % 4]!, start + i * 1000, i + 0.6));
    const now = start + 33_000;
    const bar = recent.bar("m", "a", now)!;
    const glance = recent.glance("m", "a", now)!;
    expect(bar.letters).toBe(glance.s.map((s) => s[0]).join(""));
    expect(bar.letters.startsWith("uowcu")).toBe(true);
    expect(bar.latencies).toEqual(glance.lat);
    expect([bar.up24, bar.up30]).toEqual([glance.up24, glance.up30]);
    expect(recent.bar("m", "other", now)).toBeUndefined();
  });

  it("counts uptime over 24 hours and 30 days, the windows sliding by hour and by day; unknown counts as neither", () => {
    const recent = new RecentSamples();
    // Day 0: 10 critical; days 1..39: 1 ok per hour; now: day 40 at noon.
    for (let i = 0; i < 10; i++) recent.record("m", "a", result("critical", start + i * hour));
    for (let d = 1; d < 40; d++)
      for (let h = 0; h < 24; h++) recent.record("m", "a", result("ok", start + d * day + h * hour));
    recent.record("m", "a", result("unknown", start + 40 * day));
    recent.record("m", "a", result("warning", start + 40 * day + hour));
    recent.record("m", "a", result("critical", start + 40 * day + 2 * hour));
    const now = start + 40 * day + 12 * hour;
    const glance = recent.glance("m", "a", now)!;
    // The last 24 hours: 11 ok (day 39 from 13:00) + 1 warning up, 1 critical down.
    expect(glance.up24).toBeCloseTo(12 / 13, 6);
    // The last 30 days (days 11..40): the critical samples of day 0 are out of the window.
    expect(glance.up30).toBeCloseTo((29 * 24 + 1) / (29 * 24 + 2), 6);
    // A day later with nothing recorded, the 24-hour window is empty.
    expect(recent.glance("m", "a", now + 2 * day)!.up24).toBeNull();
  });

  it("seeds a monitor's past before its live samples: the ring in order, the counts in their hours and days", () => {
    const recent = new RecentSamples();
    const now = start + 10 * day + 12 * hour;
    recent.record("m", "a", result("critical", now - 2_000));
    recent.record("m", "a", result("ok", now - 1_000));
    expect(recent.liveSince("m", "a")).toBe(now - 2_000);
    expect(recent.liveSince("m", "b")).toBeUndefined();
    const samples = Array.from({ length: 40 }, (_, i) => ({
      t: now - 100_000 + i * 1_000,
      status: (i % 2 === 0 ? "ok" : "warning") as SampleStatus,
      latencyMs: i,
      message: i % 2 === 0 ? undefined : `slow ${i}`,
    }));
    recent.seed("m", "a", {
      samples,
      // An hour already out of the 24-hour window (its bucket holds the live hour) is left out.
      hours: [
        { t: now - hour, up: 3, counted: 4 },
        { t: now - 24 * hour, up: 0, counted: 100 },
      ],
      days: [{ t: now - 3 * day, up: 1, counted: 2 }],
    });
    const glance = recent.glance("m", "a", now)!;
    expect(glance.t).toEqual([...samples.slice(-28).map((s) => s.t), now - 2_000, now - 1_000]);
    expect(glance.s.slice(-3)).toEqual(["warning", "critical", "ok"]);
    expect(glance.msg.slice(-4)).toEqual([undefined, "slow 39", `critical at ${now - 2_000}`, undefined]);
    expect(glance.up24).toBeCloseTo(4 / 6, 6);
    expect(glance.up30).toBeCloseTo((1 + 1) / (2 + 2), 6);
    expect(recent.liveSince("m", "a")).toBe(now - 2_000);
  });

  it("gives latencies in whole ms, also those of a minute and more", () => {
    const recent = new RecentSamples();
    const latencies = [0.4, 65_534.4, 65_535, 599_999.6, 12.5];
    for (const [i, ms] of latencies.entries()) recent.record("m", "a", result("ok", start + i, ms));
    expect(recent.glance("m", "a", start)!.lat).toEqual([0, 65_534, 65_535, 600_000, 13]);
    recent.record("m", "b", result("ok", start, 70_000));
    recent.forget("m", "a");
    recent.record("m", "c", result("ok", start, 5));
    expect(recent.bar("m", "c", start)!.latencies).toEqual([5]);
    expect(recent.bar("m", "b", start)!.latencies).toEqual([70_000]);
  });

  it("forgets monitors, reuses their memory, and stays under 500 B a monitor at 50,000 (452 bytes a slot, plus the growth's slack)", () => {
    const recent = new RecentSamples();
    for (let i = 0; i < 50_000; i++) recent.record("m", `n${i}`, result("ok", start));
    expect(recent.size).toBe(50_000);
    expect(recent.bytes / 50_000).toBeLessThan(500);
    recent.record("other", "n7", result("ok", start));
    recent.retainModule(
      "m",
      new Set(Array.from({ length: 50_000 }, (_, i) => `n${i}`).filter((n) => n !== "n7")),
    );
    expect(recent.glance("other", "n7", start)).toBeDefined();
    expect(recent.glance("m", "n7", start)).toBeUndefined();
    const bytes = recent.bytes;
    recent.record("m", "new", result("critical", start + 1));
    expect(recent.bytes).toBe(bytes);
    expect(recent.glance("m", "new", start + 1)).toMatchObject({ s: ["critical"], up24: 0 });
  });

  it("counts an hour of samples every second, the most a monitor takes, in its 16-bit hourly buckets", () => {
    const recent = new RecentSamples();
    const hourStart = Math.floor(start / 3_600_000) * 3_600_000;
    for (let k = 0; k < 3_600; k++)
      recent.record("m", "a", result(k % 100 === 0 ? "critical" : "ok", hourStart + k * 1_000));
    const glance = recent.glance("m", "a", hourStart + 3_599_000)!;
    expect(glance.up24).toBeCloseTo(3_564 / 3_600, 9);
    expect(glance.up30).toBeCloseTo(3_564 / 3_600, 9);
  });

  it("counts two days of samples every second exactly, past what 16-bit daily buckets hold", () => {
    const recent = new RecentSamples();
    const dayStart = Math.floor(start / day) * day;
    const other = result("ok", dayStart);
    recent.record("m", "slow", other);
    const bytes = recent.bytes;
    for (let k = 0; k < 2 * 86_400; k++)
      recent.record("m", "a", result(k % 1_000 === 0 ? "critical" : "ok", dayStart + k * 1_000));
    const glance = recent.glance("m", "a", dayStart + 2 * day - 1)!;
    expect(glance.up30).toBeCloseTo((2 * 86_400 - 173) / (2 * 86_400), 9);
    expect(glance.up24).toBeCloseTo((86_400 - 86) / 86_400, 9);
    expect(recent.glance("m", "slow", dayStart)!.up30).toBe(1);
    expect(recent.bytes).toBe(bytes + 2 * 30 * 4);
  });
});
