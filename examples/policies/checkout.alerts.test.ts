/**
 * Offline tests of checkout.ts's alerting: no server, no network, a virtual clock. Run them with
 * `amstaff test policies/checkout.alerts.test.ts` (Node's own test runner, nothing to install) or from
 * any test runner: `simulate()` only needs to be called.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PluginSpec } from "@amstaff/dsl";
import { simulate } from "@amstaff/dsl/testing";
import checkout, { manager, pager, team } from "./checkout.ts";

/** What each handler heard, as "kind to" strings, e.g. "transition critical". */
const heard = (sim: ReturnType<typeof simulate>, handler: PluginSpec) =>
  sim.to(handler).map((n) => `${n.kind} ${n.to}`);

describe("checkout alerting", () => {
  it("routes each status to its own handlers, and resolves to every handler that heard", () => {
    const sim = simulate(checkout);
    sim.feed("API", ["ok", "warning", "warning", "warning"]);
    assert.deepEqual(heard(sim, team), ["transition warning"]);
    assert.deepEqual(heard(sim, pager), []);
    sim.feed("API", ["critical"]);
    assert.deepEqual(heard(sim, pager), ["transition critical"]);
    sim.feed("API", ["ok", "ok"]);
    assert.deepEqual(heard(sim, team), ["transition warning", "transition critical", "transition ok"]);
    assert.deepEqual(heard(sim, pager), ["transition critical", "transition ok"]);
  });

  it("opens on 3 failures out of the last 5 samples, not on 2", () => {
    const sim = simulate(checkout);
    sim.feed("API", ["ok", "ok", "ok", "critical", "critical", "ok", "ok"]);
    assert.deepEqual(sim.notifications, []);
    sim.feed("API", ["critical"]);
    assert.equal(sim.status("API").status, "critical");
    assert.deepEqual(
      sim.take().map((n) => `${n.elapsed} ${n.monitor} → #${n.handler}`),
      ["+7m API → #0", "+7m API → #1"],
    );
  });

  it("resolves only after 2 good samples in a row (a flaky recovery stays open)", () => {
    const sim = simulate(checkout);
    sim.feed("API", ["critical", "critical", "critical"]);
    sim.take();
    sim.feed("API", ["ok", "critical", "ok"]);
    assert.deepEqual(sim.take(), []);
    sim.feed("API", ["ok"]);
    assert.deepEqual(
      sim.take().map((n) => `${n.from} → ${n.to}`),
      ["critical → ok", "critical → ok"],
    );
  });

  it("escalates to the manager after 15 unacknowledged minutes, and reminds hourly", () => {
    const sim = simulate(checkout).set("API", "critical");
    sim.advance("20m");
    assert.deepEqual(heard(sim, manager), ["escalation critical"]);
    // The incident dates from its first failing sample (+0m, confirmed by the third at +2m): the
    // manager hears of it 15 minutes after it started.
    assert.equal(sim.to(manager)[0]?.elapsed, "+15m");
    sim.advance("1h");
    assert.deepEqual(heard(sim, team), ["transition critical", "reminder critical"]);
  });

  it("an acknowledged incident escalates to no one and reminds no one, but still resolves", () => {
    const sim = simulate(checkout).set("API", "critical");
    sim.advance("5m").ack("API", "alice").advance("3h");
    assert.deepEqual(heard(sim, manager), []);
    assert.deepEqual(heard(sim, team), ["transition critical"]);
    sim.set("API", "ok").advance("2m");
    assert.deepEqual(heard(sim, team), ["transition critical", "transition ok"]);
  });

  it("an ack of the warning never hides the critical: the pager hears it, and its resolve", () => {
    const sim = simulate(checkout).set("API", "warning");
    sim.advance("5m").ack("API", "alice");
    sim.set("API", "critical").advance("5m");
    assert.deepEqual(heard(sim, pager), ["transition critical"]);
    // Worse than what alice acknowledged: the incident needs a new ack, or it escalates 15 minutes on.
    assert.equal(sim.status("API").incident?.acknowledged, undefined);
    sim.ack("API", "bob").advance("1h");
    assert.deepEqual(heard(sim, manager), []);
    sim.set("API", "ok").advance("2m");
    assert.deepEqual(heard(sim, pager), ["transition critical", "transition ok"]);
    assert.deepEqual(
      sim.to(pager).map((n) => `${n.from} → ${n.to}`),
      ["warning → critical", "critical → ok"],
    );
  });

  it("counts a sample the sampler could not take as a warning", () => {
    const sim = simulate(checkout);
    sim.feed("API", ["unknown", "unknown", "unknown"]);
    assert.deepEqual(heard(sim, team), ["transition warning"]);
    assert.deepEqual(heard(sim, pager), []);
  });

  it("announces a flapping monitor once instead of paging on every change", () => {
    const sim = simulate(checkout);
    sim.feed("API", ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"]);
    sim.feed("API", [
      "critical",
      "critical",
      "critical",
      "ok",
      "critical",
      "ok",
      "critical",
      "ok",
      "critical",
      "ok",
      "critical",
    ]);
    assert.deepEqual(heard(sim, team), ["transition critical", "flapping critical"]);
    // Calm again: one resolve, to each handler that heard.
    sim.feed(
      "API",
      Array.from({ length: 10 }, () => "ok" as const),
    );
    assert.deepEqual(heard(sim, team), ["transition critical", "flapping critical", "transition ok"]);
    // The resolve reads as the incident's recovery, from its worst status.
    assert.equal(sim.to(team).at(-1)?.from, "critical");
    assert.equal(sim.status("API").flapping, false);
  });

  it("holds back the API's alerts while the database it depends on is failing", () => {
    const sim = simulate(checkout).set("Database", "critical").set("API", "critical");
    sim.advance("5m");
    assert.deepEqual(
      sim.notifications.map((n) => n.monitor),
      ["Database", "Database"],
    );
    const api = sim.transitions.find((t) => t.monitor === "API");
    assert.equal(api?.suppressed, 'depends on "Database", which is critical');
    // The database recovers but the API does not: it is failing on its own, so now it alerts.
    sim.set("Database", "ok").advance("3m");
    assert.deepEqual(
      sim.notifications.filter((n) => n.monitor === "API").map((n) => `${n.kind} → #${n.handler}`),
      ["escalation → #0", "escalation → #1"],
    );
  });

  it("stays quiet during the Tuesday deploy window, and alerts if the API is still down after it", () => {
    // Tuesday 2026-01-06, 14:00 in Berlin is 13:00 UTC.
    const sim = simulate(checkout, { start: "2026-01-06T13:00:00Z" }).set("API", "critical");
    sim.advance("20m");
    assert.deepEqual(sim.notifications, []);
    assert.equal(sim.status("API").suppressed, undefined);
    const opened = sim.transitions.find((t) => t.monitor === "API" && t.to === "critical");
    assert.equal(opened?.suppressed, 'maintenance window "Tuesday deploy"');
    sim.advance("1m");
    assert.deepEqual(heard(sim, team), ["escalation critical"]);
  });

  it("a silence never swallows the resolve of an alert that was sent", () => {
    const sim = simulate(checkout).set("API", "critical");
    sim.advance("5m");
    sim.silence({ monitors: ["API"], for: "2h", reason: "rolling back" });
    sim.set("API", "ok").advance("5m");
    assert.deepEqual(heard(sim, team), ["transition critical", "transition ok"]);
    // A new failure inside the silence: recorded, not sent.
    sim.set("API", "critical").advance("10m");
    assert.deepEqual(heard(sim, team), ["transition critical", "transition ok"]);
    assert.match(sim.transitions.at(-1)?.suppressed ?? "", /^silenced by tester until .*: rolling back$/);
  });

  it("opens a batch job's incident on 2 failures within 30 minutes and ignores samples it could not take", () => {
    const sim = simulate(checkout);
    // Two warnings 40 minutes apart: not within 30 minutes.
    sim.feed("Abandoned carts", [
      { status: "warning", value: 1_200 },
      "ok",
      "ok",
      "ok",
      { status: "warning", value: 1_300 },
    ]);
    assert.deepEqual(sim.notifications, []);
    // A sample the sampler could not take (+50m) is skipped; the warning at +60m is the second in 20 minutes.
    sim.feed("Abandoned carts", ["unknown", { status: "warning", value: 1_500 }]);
    assert.deepEqual(
      sim.to(team).map((n) => `${n.elapsed} ${n.monitor} ${n.to}`),
      ["+1h Abandoned carts warning"],
    );
  });
});
