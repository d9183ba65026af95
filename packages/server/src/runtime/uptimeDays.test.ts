import { results } from "@amstaff/core";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../__tests__/manualClock.js";
import { monitorKey } from "../state/monitorKey.js";
import { addDays, dayOf, dayUptime } from "./dailyUptime.js";
import { SampleHistory } from "./sampleHistory.js";
import { UptimeDays, type UptimeDaysRequest } from "./uptimeDays.js";

const day = 86_400_000;
let db: Database.Database | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

function open() {
  db = new Database(":memory:");
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 12));
  const history = new SampleHistory(db, { clock, logger: pino({ level: "silent" }) });
  return { clock, history };
}

const sample = (t: number, status: "ok" | "warning" | "critical" | "unknown") =>
  results.of(status, "m", { timestamp: t, durationMs: 5 });

describe("daily uptime", () => {
  it("folds samples into UTC days as they are written, and reads 90 days as at most 90 rows", () => {
    const { clock, history } = open();
    const today = dayOf(clock.now());
    const start = today * day;
    // Yesterday: 3 ok, 1 critical (75% up). Today: 1 ok, 1 warning (up), 2 unknown (neither way).
    for (const t of [1, 2, 3]) history.record("Payments", "API", sample(start - day + t * 60_000, "ok"));
    history.record("Payments", "API", sample(start - 1, "critical"));
    history.record("Payments", "API", sample(start + 1, "ok"));
    history.flush();
    history.record("Payments", "API", sample(start + 2, "warning"));
    history.record("Payments", "API", sample(start + 3, "unknown"));
    history.record("Payments", "API", sample(start + 4, "unknown"));
    history.flush();
    const days = history.days("Payments", "API", today - 89, today);
    expect(days).toEqual([
      [today - 1, 3, 0, 1, 0],
      [today, 1, 1, 0, 2],
    ]);
    expect(dayUptime(days[0])).toBe(0.75);
    expect(dayUptime(days[1])).toBe(1);
    expect(dayUptime([today, 0, 0, 0, 5])).toBeUndefined();
    expect(history.days("Payments", "Other", today - 89, today)).toEqual([]);
  });

  it("adds the days of several nodes (a monitor that moved has its history split between them)", () => {
    expect(
      addDays(
        [
          [10, 1, 0, 0, 0],
          [11, 2, 0, 1, 0],
        ],
        [
          [11, 3, 1, 0, 0],
          [12, 0, 0, 4, 0],
        ],
      ),
    ).toEqual([
      [10, 1, 0, 0, 0],
      [11, 5, 1, 1, 0],
      [12, 0, 0, 4, 0],
    ]);
  });

  it("sums this node's and the peers' days, and asks the peers at most once per minute per page", async () => {
    const { clock, history } = open();
    const today = dayOf(clock.now());
    history.record("Payments", "API", sample(clock.now() - 1_000, "ok"));
    history.flush();
    const asked: UptimeDaysRequest[] = [];
    const uptime = new UptimeDays({
      clock,
      history,
      peers: async (request) => {
        asked.push(request);
        // One peer ran the monitor yesterday, before a failover; another has nothing of it.
        return [
          request.monitors.map(() => [[today - 1, 0, 0, 2, 0] as [number, number, number, number, number]]),
          [[]],
        ];
      },
    });
    const monitors = [
      { module: "Payments", monitor: "API" },
      { module: "Payments", monitor: "API" },
    ];
    const days = await uptime.get(monitors, 90);
    expect(days.get(monitorKey("Payments", "API"))).toEqual([
      [today - 1, 0, 0, 2, 0],
      [today, 1, 0, 0, 0],
    ]);
    expect(asked).toEqual([{ monitors: [["Payments", "API"]], fromDay: today - 89, toDay: today }]);
    await clock.advance(59_000);
    await uptime.get(monitors, 90);
    expect(asked).toHaveLength(1);
    // Past a minute the nodes are asked again; meanwhile the answer of a minute ago is served.
    history.record("Payments", "API", sample(clock.now() + 1_000, "critical"));
    history.flush();
    await clock.advance(2_000);
    expect((await uptime.get(monitors, 90)).get(monitorKey("Payments", "API"))!.at(-1)).toEqual([
      today,
      1,
      0,
      0,
      0,
    ]);
    expect(asked).toHaveLength(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await uptime.get(monitors, 90)).get(monitorKey("Payments", "API"))!.at(-1)).toEqual([
      today,
      1,
      0,
      1,
      0,
    ]);
    expect(asked).toHaveLength(2);
  });

  it("answers the peers from this node's history alone", () => {
    const { clock, history } = open();
    const today = dayOf(clock.now());
    history.record("Payments", "API", sample(clock.now(), "critical"));
    history.flush();
    const uptime = new UptimeDays({ clock, history });
    expect(
      uptime.local({
        monitors: [
          ["Payments", "API"],
          ["Payments", "Gone"],
        ],
        fromDay: today - 1,
        toDay: today,
      }),
    ).toEqual([[[today, 0, 0, 1, 0]], []]);
  });
});
