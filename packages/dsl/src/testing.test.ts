import { describe, expect, it } from "vitest";
import { amstaff, cron, every, policy } from "./builders.js";
import { simulate } from "./testing.js";

const probe = { plugin: "test-sampler", options: { url: "http://x" } };
const team = { plugin: "test-handler", options: { url: "https://hooks.example.com/team" } };
const pager = { plugin: "test-handler", options: { url: "https://hooks.example.com/pager" } };

const shop = amstaff("Shop", (m) => {
  m.monitor("API", {
    sampler: probe,
    timing: every("30s"),
    policy: policy({
      notify: { warning: [team], critical: [team, pager] },
      escalate: [{ after: "5m", notify: [pager] }],
    }),
  });
  m.monitor("Nightly", { sampler: probe, timing: cron("0 3 * * *"), handlers: [team] });
});

describe("simulate (in vitest)", () => {
  it("samples on the monitors' schedules over [now, now + duration)", () => {
    const sim = simulate(shop, { start: "2026-01-05T02:59:00Z" });
    sim.set("API", "critical").set("Nightly", "critical").advance("30s");
    expect(sim.timeline()).toBe(
      [
        "+0s API: pending → critical to #0 test-handler",
        "+0s API: pending → critical to #1 test-handler",
      ].join("\n"),
    );
    sim.advance("1m");
    expect(
      sim
        .take()
        .map((n) => `${n.time} ${n.monitor}`)
        .at(-1),
    ).toBe("2026-01-05T03:00:00.000Z Nightly");
  });

  it("finds what one handler heard with the value the module used", () => {
    const sim = simulate(shop).set("API", "warning");
    sim.advance("10m");
    expect(sim.to(team).map((n) => n.kind)).toEqual(["transition"]);
    // The same pager spec is routed to critical and, as an escalation stage, reached after 5 minutes.
    expect(sim.to(pager).map((n) => `${n.elapsed} ${n.kind} ${n.to}`)).toEqual(["+5m escalation warning"]);
  });

  it("says clearly what is wrong with a module or a call", () => {
    const broken = amstaff("Broken", (m) => {
      m.monitor("A", { sampler: probe, timing: every("30s"), consecutive: 0 });
    });
    expect(() => simulate(broken)).toThrow(/The module does not compile:\n {2}- monitor "A": consecutive/);
    expect(() => simulate(shop).set("Nope", "ok")).toThrow(
      'No monitor "Nope" in module "Shop" (it has "API", "Nightly").',
    );
    expect(() => simulate(shop).feed("Nightly", ["ok"])).toThrow(/cron schedule/);
    expect(() => simulate(shop).ack("API")).toThrow('ack(): "API" has no open incident');
    expect(() => simulate(shop, { start: "someday" })).toThrow(/is not a date/);
  });

  it("also takes a compiled definition, as `amstaff push --dry-run` or the API show it", () => {
    const sim = simulate(simulate(shop).definition).set("API", "critical").advance("30s");
    expect(sim.notifications).toHaveLength(2);
  });
});
