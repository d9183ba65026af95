import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../__tests__/manualClock.js";
import { Observations } from "./observations.js";

describe("Observations' scheduled writes", () => {
  it("writes many changes a slice per turn, none lost, so a restart knows every monitor's last run", async () => {
    const db = new Database(":memory:");
    const start = Date.UTC(2026, 11, 6, 12, 0, 0);
    const clock = new ManualClock(start);
    const observations = new Observations(db, { clock, flushEveryMs: 2_000 });
    const count = (): number =>
      (db.prepare("SELECT count(*) AS n FROM observations").get() as { n: number }).n;
    for (let i = 0; i < 5_000; i++) {
      observations.record("M", `p${i}`, {
        status: "ok",
        message: "",
        durationMs: 1,
        timestamp: start + i,
      });
    }
    const writes: number[] = [];
    const flush = observations.flush.bind(observations);
    observations.flush = (maxRows) => {
      const written = flush(maxRows);
      writes.push(written);
      return written;
    };
    observations.start();
    await clock.advance(2_000);
    // Not all 5,000 in one transaction: slices of 200 to start with, then as many as fit in 4 ms.
    expect(writes[0]).toBe(200);
    expect(writes.length).toBeGreaterThan(1);
    expect(writes.reduce((a, b) => a + b, 0)).toBe(5_000);
    expect(count()).toBe(5_000);
    observations.close();
    const restarted = new Observations(db);
    expect(restarted.get("M", "p4999")?.lastRunAt).toBe(start + 4_999);
  });
});
