import { results, type SampleResult } from "@amstaff/core";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../__tests__/manualClock.js";
import { dayOf } from "./dailyUptime.js";
import { historyBucketMs, SampleHistory } from "./sampleHistory.js";

const minute = 60_000;
let db: Database.Database | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

const logger = pino({ level: "silent" });
const at = (t: number, status: SampleResult["status"], durationMs: number, value?: number) =>
  results.of(status, "m", { timestamp: t, durationMs, ...(value === undefined ? {} : { value }) });
const count = (table: string) => (db!.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

function open() {
  db = new Database(":memory:");
  // The start of a bucket, so that a test knows when the bucket ends.
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 12, 0, 0));
  return { clock, history: new SampleHistory(db, { clock, logger }) };
}

/** The bucket starting at `start` and the day, as a reader sees them. */
function read(history: SampleHistory, start: number) {
  const page = history.query("M", "a", { from: start, to: start + historyBucketMs - 1, limit: 0 });
  return {
    buckets: page.resolution === "5m" ? page.buckets : [],
    days: history.days("M", "a", dayOf(start), dayOf(start)),
  };
}

describe("open 5-minute buckets", () => {
  it("are read as if written while they fill up, and written once, a minute after they end", async () => {
    const { clock, history } = open();
    const start = clock.now();
    history.record("M", "a", at(start + 1000, "ok", 10, 3));
    history.record("M", "a", at(start + 11_000, "critical", 30));
    history.flush();
    history.record("M", "a", at(start + 21_000, "ok", 20, 5));
    history.flush();
    const expected = {
      buckets: [
        {
          t: start,
          count: 3,
          statuses: { ok: 2, warning: 0, critical: 1, unknown: 0 },
          latencyMs: { min: 10, avg: 20, max: 30 },
          value: { min: 3, avg: 4, max: 5 },
        },
      ],
      days: [[dayOf(start), 2, 0, 1, 0]],
    };
    expect(read(history, start)).toEqual(expected);
    expect([count("history_samples"), count("history_rollup"), count("history_daily")]).toEqual([3, 0, 0]);

    // Not yet: a late sample of the bucket (a long probe) may still come within the grace.
    await clock.advance(historyBucketMs + minute - 1);
    history.flush();
    expect(count("history_rollup")).toBe(0);
    await clock.advance(1);
    history.flush();
    expect([count("history_rollup"), count("history_daily")]).toEqual([1, 1]);
    expect(read(history, start)).toEqual(expected);

    // Later still, a sample goes into the written bucket on the next write.
    history.record("M", "a", at(start + 2000, "warning", 40));
    history.flush();
    expect(read(history, start).buckets[0]).toMatchObject({
      count: 4,
      statuses: { ok: 2, warning: 1, critical: 1, unknown: 0 },
      latencyMs: { max: 40 },
    });
    expect(read(history, start).days).toEqual([[dayOf(start), 2, 1, 1, 0]]);
    history.close();
  });

  it("are written by the flush timer, and all of them on close", async () => {
    const { clock, history } = open();
    const start = clock.now();
    history.start();
    history.record("M", "a", at(start, "ok", 1));
    history.record("M", "b", at(start, "ok", 1));
    await clock.advance(historyBucketMs + minute + 1000);
    expect(count("history_rollup")).toBe(2);
    history.record("M", "a", at(clock.now(), "ok", 1));
    await clock.advance(1000);
    expect(count("history_rollup")).toBe(2);
    history.close();
    expect(count("history_rollup")).toBe(3);
    expect(count("history_meta")).toBe(0);
  });

  it("are rebuilt from the raw samples after a crash, without counting twice what was written", () => {
    const { clock, history } = open();
    const start = clock.now();
    // A first run closes cleanly half-way through the bucket: the bucket is written, nothing is open.
    history.record("M", "a", at(start + 1000, "ok", 10));
    history.close();
    // A second run writes samples of the same bucket and of the next one, then dies without closing.
    const second = new SampleHistory(db!, { clock, logger });
    second.record("M", "a", at(start + 2000, "critical", 20, 7));
    second.record("M", "a", at(start + historyBucketMs + 1000, "unknown", 30));
    second.flush();
    const before = [read(second, start), read(second, start + historyBucketMs)];
    expect(before[0]?.buckets[0]).toMatchObject({ count: 2, statuses: { ok: 1, critical: 1 } });

    const third = new SampleHistory(db!, { clock, logger });
    expect([read(third, start), read(third, start + historyBucketMs)]).toEqual(before);
    expect(third.days("M", "a", dayOf(start), dayOf(start))).toEqual([[dayOf(start), 1, 0, 1, 1]]);
    expect(count("history_meta")).toBe(0);
    // Rebuilt once: a fourth start finds nothing to do and the same history.
    const fourth = new SampleHistory(db!, { clock, logger });
    expect([read(fourth, start), read(fourth, start + historyBucketMs)]).toEqual(before);
  });

  it("keep each monitor's rows apart as monitors come and go, and read the same once written", async () => {
    const { clock, history } = open();
    const start = clock.now();
    for (const name of ["a", "b", "c"]) history.record("M", name, at(start + 1000, "ok", 10, 1));
    history.record("M", "b", at(start + 2000, "warning", 50));
    history.flush();
    // The first bucket is written: its monitors' slots are free, and "d" takes one of them.
    await clock.advance(historyBucketMs + minute);
    history.flush();
    expect(count("history_rollup")).toBe(3);
    history.record("M", "d", at(clock.now(), "critical", 5));
    history.record("M", "a", at(clock.now(), "unknown", 7, -2));
    history.flush();
    const next = start + historyBucketMs;
    const d = history.query("M", "d", { from: next, to: next + historyBucketMs - 1, limit: 0 });
    const a = history.query("M", "a", { from: start, to: next + historyBucketMs - 1, limit: 0 });
    const b = history.query("M", "b", { from: start, to: start + historyBucketMs - 1, limit: 0 });
    expect(d.resolution === "5m" && d.buckets).toEqual([
      {
        t: next,
        count: 1,
        statuses: { ok: 0, warning: 0, critical: 1, unknown: 0 },
        latencyMs: { min: 5, avg: 5, max: 5 },
      },
    ]);
    expect(a.resolution === "5m" && a.buckets.map((x) => [x.t, x.count, x.value])).toEqual([
      [start, 1, { min: 1, avg: 1, max: 1 }],
      [next, 1, { min: -2, avg: -2, max: -2 }],
    ]);
    expect(b.resolution === "5m" && b.buckets[0]).toEqual({
      t: start,
      count: 2,
      statuses: { ok: 1, warning: 1, critical: 0, unknown: 0 },
      latencyMs: { min: 10, avg: 30, max: 50 },
      value: { min: 1, avg: 1, max: 1 },
    });
    history.close();
  });
});
