import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../__tests__/manualClock.js";
import { memoryLogger } from "../__tests__/memoryLogger.js";
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
    const writes: (number | undefined)[] = [];
    const flush = observations.flush.bind(observations);
    observations.flush = ((maxRows: number, options: { wait: false }) => {
      const written = flush(maxRows, options);
      writes.push(written);
      return written;
    }) as typeof observations.flush;
    observations.start();
    await clock.advance(2_000);
    // Not all 5,000 in one transaction: slices of 200 to start with, then as many as fit in 4 ms.
    expect(writes[0]).toBe(200);
    expect(writes.length).toBeGreaterThan(1);
    expect(writes.reduce((a: number, b) => a + (b ?? 0), 0)).toBe(5_000);
    expect(count()).toBe(5_000);
    observations.close();
    const restarted = new Observations(db);
    expect(restarted.get("M", "p4999")?.lastRunAt).toBe(start + 4_999);
  });

  it("does not wait on the event loop for the write lock another connection holds, and writes once it is free", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amstaff-observations-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, "amstaff.db");
    // A short busy timeout: a write that waited would show as a failure here rather than a 5 s wait.
    const db = new Database(path, { timeout: 200 });
    cleanups.push(() => db.close());
    db.pragma("journal_mode = WAL");
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 12, 0, 0));
    const { logger, lines } = memoryLogger();
    const observations = new Observations(db, { clock, flushEveryMs: 2_000, logger });
    const count = (): number =>
      (db.prepare("SELECT count(*) AS n FROM observations").get() as { n: number }).n;
    observations.start();
    // Another connection holds the write lock, as the WAL checkpoint thread does through a TRUNCATE.
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    observations.record("M", "a", { status: "ok", message: "", durationMs: 1, timestamp: clock.now() });
    await clock.advance(2_000);
    expect(count()).toBe(0);
    other.exec("COMMIT");
    other.close();
    // Tried again soon, not at the next interval.
    await clock.advance(10);
    expect(count()).toBe(1);
    expect(lines.filter((l) => l.level === 50)).toEqual([]);
    observations.close();
  });
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});
