import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { results, type SampleResult } from "@amstaff/core";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../__tests__/manualClock.js";
import { memoryLogger } from "../__tests__/memoryLogger.js";
import { historyBucketMs, SampleHistory, type SampleHistoryOptions } from "./sampleHistory.js";

const minute = 60_000;
const day = 86_400_000;

let db: Database.Database | undefined;
let dir: string | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function open(options: Partial<SampleHistoryOptions> = {}) {
  db = new Database(":memory:");
  const clock = new ManualClock();
  const { logger, lines } = memoryLogger();
  const history = new SampleHistory(db, { clock, logger, ...options });
  return { db, clock, history, lines };
}

const at = (t: number, status: SampleResult["status"], durationMs: number, value?: number, message = "msg") =>
  results.of(status, message, { timestamp: t, durationMs, ...(value === undefined ? {} : { value }) });

describe("SampleHistory", () => {
  it("does not wait on the event loop for the write lock another connection holds, and writes once it is free", async () => {
    dir = mkdtempSync(join(tmpdir(), "amstaff-history-"));
    const path = join(dir, "history.db");
    // A short busy timeout, so that a write that waits shows as a failure here rather than a 5 s wait.
    const file = new Database(path, { timeout: 200 });
    file.pragma("journal_mode = WAL");
    db = file;
    const clock = new ManualClock();
    const { logger, lines } = memoryLogger();
    const history = new SampleHistory(file, { clock, logger });
    history.start();
    // Another connection holds the write lock, as the WAL checkpoint thread does through a TRUNCATE.
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    history.record("M", "a", at(clock.now(), "ok", 1));
    await clock.advance(1_000);
    expect(history.stats()).toMatchObject({ buffered: 1, written: 0, writeErrors: 0 });
    other.exec("COMMIT");
    other.close();
    // Tried again soon, not at the next interval.
    await clock.advance(10);
    expect(history.stats()).toMatchObject({ buffered: 0, written: 1, writeErrors: 0 });
    expect(lines.filter((l) => l.level === 50)).toEqual([]);
    history.close();
  });

  it("spreads the buckets due at a boundary over time instead of writing them back to back", async () => {
    const { db, clock, history } = open({ flushBudgetMs: 4 });
    // Every read of the monotonic clock is a millisecond later: a transaction takes 1 ms.
    let reads = 0;
    clock.monotonic = () => clock.now() + ++reads;
    const buckets = () => (db.prepare("SELECT count(*) AS n FROM history_rollup").get() as { n: number }).n;
    const start = Math.ceil(clock.now() / historyBucketMs) * historyBucketMs;
    await clock.advance(start - clock.now());
    for (let i = 0; i < 1_000; i++) history.record("M", `m${i}`, at(start, "ok", 1));
    history.flush();
    history.start();
    // The bucket is due a minute after it ends: its first transaction is written then, not all of them.
    await clock.advance(historyBucketMs + minute);
    expect(buckets()).toBeGreaterThan(0);
    expect(buckets()).toBeLessThan(1_000);
    // Each is followed by a pause of four times its length, then the next.
    await clock.advance(100);
    expect(buckets()).toBe(1_000);
    history.close();
  });

  it("ends a scheduled transaction of samples at twice its time budget, and writes the rest in the next turns", async () => {
    const { db, clock, history } = open({ flushBudgetMs: 4 });
    // A slow stretch of the disk: 16 rows take 1 ms (each read of the monotonic clock, one per 16 rows).
    let reads = 0;
    clock.monotonic = () => clock.now() + ++reads;
    const samples = () => (db.prepare("SELECT count(*) AS n FROM history_samples").get() as { n: number }).n;
    const sizes: number[] = [];
    const transaction = db.transaction.bind(db);
    db.transaction = ((write: () => unknown) => {
      const run = transaction(write);
      const counted = (mode: "deferred" | "immediate") => () => {
        const before = samples();
        run[mode]();
        sizes.push(samples() - before);
      };
      return Object.assign(counted("deferred"), {
        deferred: counted("deferred"),
        immediate: counted("immediate"),
      });
    }) as never;
    for (let i = 0; i < 1_000; i++) history.record("M", `m${i}`, at(clock.now(), "ok", 1));
    history.start();
    await clock.advance(1_000);
    expect(history.stats()).toMatchObject({ buffered: 0, written: 1_000 });
    // 200 samples for the first transaction (the starting size): cut at 8 ms, then sized down to fit.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2 * 4 * 16 + 16);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1_000);
    history.close();
  });

  it("keeps raw samples in time order, with values, and messages of failing samples cut to 300 characters", () => {
    const { clock, history } = open();
    const now = clock.now();
    history.record("Shop", "Checkout", at(now - 3000, "ok", 12, 200, "HTTP 200"));
    history.record("Shop", "Checkout", at(now - 1000, "critical", 40, undefined, "x".repeat(1000)));
    history.record("Shop", "Checkout", at(now - 2000, "warning", 30, 1.5, "slow"));
    history.record("Shop", "Cart", at(now - 1500, "ok", 5));
    expect(history.stats()).toMatchObject({ buffered: 4, written: 0 });

    const page = history.query("Shop", "Checkout", { from: now - 60_000, to: now, limit: 100 });
    expect(page).toEqual({
      resolution: "raw",
      samples: [
        { t: now - 3000, status: "ok", latencyMs: 12, value: 200 },
        { t: now - 2000, status: "warning", latencyMs: 30, value: 1.5, message: "slow" },
        { t: now - 1000, status: "critical", latencyMs: 40, message: "x".repeat(300) },
      ],
    });
    expect(history.stats()).toMatchObject({ buffered: 0, written: 4 });
    expect(history.query("Shop", "Nope", { from: now - 60_000, to: now, limit: 100 })).toEqual({
      resolution: "raw",
      samples: [],
    });
  });

  it("answers with 5-minute buckets when the range holds more samples than the limit", () => {
    const { clock, history } = open();
    const start = Math.floor(clock.now() / historyBucketMs) * historyBucketMs - 2 * historyBucketMs;
    // Two full buckets: one sample every 30 s.
    for (let i = 0; i < 20; i++) {
      const t = start + i * 30_000;
      const status = i === 3 ? "critical" : i === 15 ? "unknown" : "ok";
      history.record("Shop", "Checkout", at(t, status, 10 + i, i % 2 === 0 ? i : undefined));
    }
    history.flush();
    const range = { from: start, to: start + 2 * historyBucketMs - 1 };
    expect(history.query("Shop", "Checkout", { ...range, limit: 20 }).resolution).toBe("raw");
    const page = history.query("Shop", "Checkout", { ...range, limit: 19 });
    expect(page).toEqual({
      resolution: "5m",
      buckets: [
        {
          t: start,
          count: 10,
          statuses: { ok: 9, warning: 0, critical: 1, unknown: 0 },
          latencyMs: { min: 10, avg: 14.5, max: 19 },
          value: { min: 0, avg: 4, max: 8 },
        },
        {
          t: start + historyBucketMs,
          count: 10,
          statuses: { ok: 9, warning: 0, critical: 0, unknown: 1 },
          latencyMs: { min: 20, avg: 24.5, max: 29 },
          value: { min: 10, avg: 14, max: 18 },
        },
      ],
    });
  });

  it("merges samples of one bucket written in different flushes, and omits value where none had one", () => {
    const { clock, history } = open();
    const start = Math.floor(clock.now() / historyBucketMs) * historyBucketMs - historyBucketMs;
    history.record("M", "a", at(start + 1000, "ok", 50));
    history.flush();
    history.record("M", "a", at(start + 2000, "warning", 10));
    history.flush();
    history.record("M", "b", at(start + 1000, "ok", 1, 7));
    history.flush();
    history.record("M", "b", at(start + 2000, "ok", 1));
    history.flush();
    const a = history.query("M", "a", { from: start, to: start + historyBucketMs - 1, limit: 1 });
    expect(a).toEqual({
      resolution: "5m",
      buckets: [
        {
          t: start,
          count: 2,
          statuses: { ok: 1, warning: 1, critical: 0, unknown: 0 },
          latencyMs: { min: 10, avg: 30, max: 50 },
        },
      ],
    });
    const b = history.query("M", "b", { from: start, to: start + historyBucketMs - 1, limit: 1 });
    expect(b.resolution === "5m" && b.buckets[0]?.value).toEqual({ min: 7, avg: 7, max: 7 });
  });

  it("answers with buckets for a range that reaches past raw retention", () => {
    const { clock, history } = open({ rawDays: 1 });
    const now = clock.now();
    history.record("M", "a", at(now - 2 * day, "ok", 1));
    history.record("M", "a", at(now - 1000, "ok", 1));
    const page = history.query("M", "a", { from: now - 3 * day, to: now, limit: 2000 });
    expect(page.resolution).toBe("5m");
    expect(page.resolution === "5m" && page.buckets.map((b) => b.count)).toEqual([1, 1]);
  });

  it("deletes raw samples after rawDays and buckets after rollupDays, in bounded chunks", () => {
    const { clock, history } = open({ rawDays: 2, rollupDays: 10, pruneChunk: 10 });
    const now = clock.now();
    for (let i = 0; i < 25; i++) history.record("M", "a", at(now - 3 * day + i * 1000, "ok", 1));
    history.record("M", "a", at(now - 11 * day, "critical", 1));
    history.record("M", "a", at(now - 1000, "ok", 1));
    history.flush();

    expect(history.prune()).toEqual({ samples: 10, buckets: 1, more: true });
    expect(history.prune()).toEqual({ samples: 10, buckets: 0, more: true });
    expect(history.prune()).toEqual({ samples: 6, buckets: 0, more: false });
    expect(history.prune()).toEqual({ samples: 0, buckets: 0, more: false });

    // The 3-day-old samples live on as a bucket; the 11-day-old one is gone altogether.
    const page = history.query("M", "a", { from: now - 30 * day, to: now, limit: 2000 });
    expect(page.resolution === "5m" && page.buckets.map((b) => b.count)).toEqual([25, 1]);
    const raw = history.query("M", "a", { from: now - day, to: now, limit: 2000 });
    expect(raw.resolution === "raw" && raw.samples.length).toBe(1);
  });

  it("runs retention on its timer until the backlog is gone, and forgets monitors with no history left", async () => {
    const { db, clock, history } = open({
      rawDays: 1,
      rollupDays: 2,
      pruneChunk: 7,
      pruneIntervalMs: minute,
    });
    const now = clock.now();
    for (let i = 0; i < 50; i++) history.record("Gone", "a", at(now - 3 * day + i, "ok", 1));
    history.flush();
    history.start();
    await clock.advance(minute);
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect([count("history_samples"), count("history_rollup"), count("history_series")]).toEqual([0, 0, 0]);

    // A monitor forgotten by retention is remembered again on its next sample.
    history.record("Gone", "a", at(clock.now(), "critical", 3));
    await clock.advance(1_000);
    const page = history.query("Gone", "a", { from: clock.now() - minute, to: clock.now(), limit: 10 });
    expect(page).toMatchObject({ resolution: "raw", samples: [{ status: "critical", latencyMs: 3 }] });
    history.close();
  });

  it("keeps sampling when the disk is full: buffers, drops the oldest past the bound, logs once a minute, recovers", async () => {
    const file = new Database(":memory:");
    db = file;
    const clock = new ManualClock();
    const { logger, lines } = memoryLogger();
    const history = new SampleHistory(file, { clock, logger, maxBuffered: 50, flushChunk: 20 });
    const now = clock.now();
    // SQLite reports SQLITE_FULL once the database would grow past max_page_count: a disk that is full.
    const pages = file.pragma("page_count", { simple: true }) as number;
    file.pragma(`max_page_count = ${pages}`);
    for (let i = 0; i < 40; i++) history.record("M", "a", at(now + i, "critical", 1, i, "y".repeat(300)));
    expect(history.flush()).toBe(0);
    for (let i = 40; i < 60; i++) history.record("M", "a", at(now + i, "critical", 1, i, "y".repeat(300)));
    await clock.advance(30_000);
    expect(history.flush()).toBe(0);
    expect(history.stats()).toMatchObject({ buffered: 50, dropped: 10, written: 0, writeErrors: 2 });
    const errors = lines.filter((l) => String(l.msg).startsWith("could not write the sample history"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "SQLITE_FULL" });
    await clock.advance(31_000);
    history.flush();
    expect(lines.filter((l) => String(l.msg).startsWith("could not write the sample history"))).toHaveLength(
      2,
    );

    file.pragma("max_page_count = 1073741823");
    // The timer writes the backlog, one chunk of 20 per turn of the event loop.
    history.start();
    await clock.advance(1_000);
    expect(history.stats()).toMatchObject({ buffered: 0, written: 50 });
    const page = history.query("M", "a", { from: now, to: now + 100, limit: 100 });
    expect(page.resolution === "raw" && page.samples.map((s) => s.value)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 10),
    );
    history.close();
  });

  it("writes what is buffered when closed, and takes no sample after", () => {
    const { db, clock, history } = open();
    history.record("M", "a", at(clock.now(), "ok", 1));
    history.close();
    history.record("M", "a", at(clock.now(), "ok", 1));
    expect((db.prepare("SELECT count(*) AS n FROM history_samples").get() as { n: number }).n).toBe(1);
  });
});
