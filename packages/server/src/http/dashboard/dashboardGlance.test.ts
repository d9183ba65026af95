import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { definition, put, result } from "../../__tests__/fixtures.js";
import { ManualClock } from "../../__tests__/manualClock.js";
import { Observations } from "../../runtime/observations.js";
import type { GlanceReply, GlanceRequest } from "../../runtime/peerGlances.js";
import { RecentSamples } from "../../runtime/recentSamples.js";
import { StateMachine } from "../../state/stateMachine.js";
import { createDashboard } from "./dashboard.js";

// Node "a" runs "Mine"; node "b" runs "Theirs": a's overview fills Theirs' bars from b's answer.

const clock = new ManualClock(Date.UTC(2026, 11, 6, 12));
const machine = new StateMachine();
machine.apply({ type: "cluster.init", clusterId: "c1", at: 0 }, 1);
machine.apply(put(definition("Mine", ["API"])), 2);
machine.apply(put(definition("Theirs", ["API"])), 3);
machine.apply({ type: "ownership.grant", module: "Mine", node: "a", handoff: false, at: 4 }, 4);
machine.apply({ type: "ownership.grant", module: "Theirs", node: "b", handoff: false, at: 5 }, 5);
const db = new Database(":memory:");
const recent = new RecentSamples();
recent.record("Mine", "API", result("ok", clock.now() - 1_000));
recent.record("Mine", "API", result("critical", clock.now() - 500));
const asked: { request: GlanceRequest; node: string | undefined }[] = [];
const theirs: GlanceReply = {
  rows: [{ m: "Theirs", n: "API", hs: "ow", hl: [3, 4], u24: 1, u30: 0.9 }],
  recent: [{ samples: [{ t: 1, status: "ok", latencyMs: 3 }], uptime: { h24: 1, d30: 0.9 } }],
};
const dashboard = createDashboard({
  machine,
  observations: new Observations(db),
  clock,
  recent,
  nodeId: "a",
  peers: async (request, node) => {
    asked.push({ request, node });
    // c claims Theirs too (a stale owner): only the owner's answer counts.
    return [
      { node: "c", reply: { rows: [{ m: "Theirs", n: "API", hs: "ccc" }] } },
      { node: "b", reply: theirs },
    ].filter((r) => node === undefined || r.node === node);
  },
  dir: "/nonexistent",
});
afterAll(() => {
  dashboard.close();
  db.close();
});

describe("the overview's bars across a cluster", () => {
  it("fills the rows of monitors another node runs from that node's answer", async () => {
    expect(dashboard.row("Mine", "API")?.hs).toBe("oc");
    await dashboard.peersReady();
    expect(dashboard.row("Theirs", "API")).toMatchObject({ hs: "ow", hl: [3, 4], u24: 1, u30: 0.9 });
    expect(asked.map((a) => a.request)).toEqual([{}]);
  });

  it("answers the others with the monitors it runs only, or those asked, with samples on request", () => {
    const mine = dashboard.localGlance({});
    expect(mine.rows.map((r) => [r.m, r.n, r.hs])).toEqual([["Mine", "API", "oc"]]);
    expect(mine.recent).toBeUndefined();
    const some = dashboard.localGlance({
      monitors: [
        ["Mine", "API"],
        ["Theirs", "API"],
      ],
      recent: true,
    });
    expect(some.rows).toHaveLength(1);
    expect(some.recent?.map((r) => r.samples.map((s) => s.status))).toEqual([["ok", "critical"], []]);
  });

  it("forwards a row's samples to the node that runs it", async () => {
    asked.length = 0;
    expect(await dashboard.recent("Theirs", "API")).toEqual(theirs.recent![0]);
    expect(asked).toEqual([{ request: { monitors: [["Theirs", "API"]], recent: true }, node: "b" }]);
    expect((await dashboard.recent("Mine", "API")).samples).toHaveLength(2);
    expect(asked).toHaveLength(1);
  });

  it("reuses its answer for all its monitors for a second, whoever asks", async () => {
    const first = dashboard.localGlance({});
    recent.record("Mine", "API", result("ok", clock.now()));
    expect(dashboard.localGlance({})).toBe(first);
    await clock.advance(1_000);
    expect(dashboard.localGlance({}).rows[0]?.hs).toBe("oco");
  });
});
