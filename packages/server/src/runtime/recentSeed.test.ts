import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SampleResult, SampleStatus } from "@amstaff/core";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { definition, put } from "../__tests__/fixtures.js";
import { ManualClock } from "../__tests__/manualClock.js";
import { createDashboard } from "../http/dashboard/dashboard.js";
import { glanceFields } from "../http/dashboard/glanceRow.js";
import { StateMachine } from "../state/stateMachine.js";
import { Observations } from "./observations.js";
import { RecentSamples } from "./recentSamples.js";
import { RecentSeed } from "./recentSeed.js";
import { SampleHistory } from "./sampleHistory.js";

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
// Mid-bucket and mid-hour: the seed reads the bucket under way from the raw samples.
const restartAt = Date.UTC(2026, 11, 6, 12, 2, 30);
const logger = pino({ level: "silent" });
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const statusOf = (i: number): SampleStatus =>
  i % 17 === 0 ? "critical" : i % 13 === 0 ? "unknown" : i % 11 === 0 ? "warning" : "ok";
const sampleAt = (i: number, t: number): SampleResult => ({
  status: statusOf(i),
  message: `sample ${i}`,
  durationMs: 5 + (i % 50) + 0.25,
  timestamp: t,
});

/** 40 days of a sample every 20 minutes, then one every 30 s over the last 2 hours before the restart. */
function pastSamples(): SampleResult[] {
  const times: number[] = [];
  for (let t = restartAt - 40 * day; t < restartAt - 2 * hour; t += 20 * minute) times.push(t);
  for (let t = restartAt - 2 * hour; t < restartAt; t += 30_000) times.push(t);
  return times.map((t, i) => sampleAt(i, t));
}

/** The cluster's state: "Svc" runs on node a (with "API"; "Gone" was removed), "Theirs" on node b. */
function state(): StateMachine {
  const machine = new StateMachine();
  machine.apply({ type: "cluster.init", clusterId: "c1", at: 0 }, 1);
  machine.apply(put(definition("Svc", ["API"])), 2);
  machine.apply(put(definition("Theirs", ["API"])), 3);
  machine.apply({ type: "ownership.grant", module: "Svc", node: "a", handoff: false, at: 4 }, 4);
  machine.apply({ type: "ownership.grant", module: "Theirs", node: "b", handoff: false, at: 5 }, 5);
  return machine;
}

/**
 * A node that ran "Svc" (and, before, "Theirs" and "Svc"'s "Gone") and crashed at `restartAt`, its
 * samples written but its last 5-minute buckets still open; and the same samples in the memory of a node
 * that never restarted, to compare with.
 */
function crashedNode(): { path: string; clock: ManualClock; unbroken: RecentSamples } {
  const dir = mkdtempSync(join(tmpdir(), "amstaff-seed-"));
  dirs.push(dir);
  const path = join(dir, "node.db");
  const clock = new ManualClock(restartAt);
  const db = new Database(path);
  const history = new SampleHistory(db, { clock, logger });
  const unbroken = new RecentSamples();
  for (const sample of pastSamples()) {
    for (const [module, monitor] of [
      ["Svc", "API"],
      ["Svc", "Gone"],
      ["Theirs", "API"],
    ] as const) {
      history.record(module, monitor, sample);
      if (module === "Svc" && monitor === "API") unbroken.record(module, monitor, sample);
    }
  }
  history.flush();
  db.close();
  return { path, clock, unbroken };
}

/** The node after the restart: its history reopened (the open buckets rebuilt), its memory empty. */
function restarted(path: string, clock: ManualClock) {
  const db = new Database(path);
  const history = new SampleHistory(db, { clock, logger });
  const recent = new RecentSamples();
  const machine = state();
  const seed = new RecentSeed({
    db,
    recent,
    machine,
    clock,
    runsHere: (module) => (machine.grant(module)?.node ?? "a") === "a",
    budgetMs: 1,
  });
  /** A live sample, as the runner's observer records it. */
  const live = (sample: SampleResult) => {
    history.record("Svc", "API", sample);
    recent.record("Svc", "API", sample);
  };
  return { db, history, recent, machine, seed, live };
}

describe("seeding the overview's bars from the history after a restart", () => {
  it("shows the old bar and the 24 h and 30 d uptime of a node that never restarted", async () => {
    const { path, clock, unbroken } = crashedNode();
    const node = restarted(path, clock);
    const stats = await node.seed.run();
    expect(stats).toMatchObject({ monitors: 1, stopped: false });

    const now = clock.now();
    expect(node.recent.glance("Svc", "API", now)).toEqual(unbroken.glance("Svc", "API", now));
    const dashboard = createDashboard({
      machine: node.machine,
      observations: new Observations(node.db),
      clock,
      recent: node.recent,
      nodeId: "a",
      dir: "/nonexistent",
    });
    const row = dashboard.row("Svc", "API")!;
    const last30 = pastSamples().slice(-30);
    expect(row.hs).toBe(last30.map((s) => s.status[0]).join(""));
    expect(row.hl).toEqual(last30.map((s) => Math.round(s.durationMs)));
    expect(row).toMatchObject(glanceFields(unbroken.bar("Svc", "API", now)));
    expect(row.u24).toBeGreaterThan(0.8);
    expect(row.u30).toBeGreaterThan(0.8);
    // Not seeded: a module another node runs, a monitor the module no longer has.
    expect(node.recent.glance("Theirs", "API", now)).toBeUndefined();
    expect(node.recent.glance("Svc", "Gone", now)).toBeUndefined();
    expect(node.recent.size).toBe(1);
    dashboard.close();
    node.db.close();
  });

  it("counts the samples taken live before and after the seed once, their buckets written or not", async () => {
    const { path, clock, unbroken } = crashedNode();
    const node = restarted(path, clock);
    // Sampling starts before the seed reaches the monitor: its samples are written, and the buckets of
    // the first ones closed into the rollup and the daily summary.
    let i = 100_000;
    for (let t = restartAt + 5_000; t < restartAt + 12 * minute; t += 30_000) {
      const sample = sampleAt(i++, t);
      node.live(sample);
      unbroken.record("Svc", "API", sample);
    }
    await clock.advance(15 * minute);
    node.history.flush();
    await node.seed.run();
    for (let t = restartAt + 15 * minute; t < restartAt + 16 * minute; t += 30_000) {
      const sample = sampleAt(i++, t);
      node.live(sample);
      unbroken.record("Svc", "API", sample);
    }

    const now = clock.now();
    const glance = node.recent.glance("Svc", "API", now)!;
    expect(glance).toEqual(unbroken.glance("Svc", "API", now));
    expect(glance.t.filter((t) => t >= restartAt)).toHaveLength(26);
    node.history.close();
    node.db.close();
  });

  it("reads nothing once stopped, so the database can close", async () => {
    const { path, clock } = crashedNode();
    const node = restarted(path, clock);
    node.seed.stop();
    node.db.close();
    expect(await node.seed.run()).toMatchObject({ monitors: 0, stopped: true });
    expect(node.recent.size).toBe(0);
  });
});
