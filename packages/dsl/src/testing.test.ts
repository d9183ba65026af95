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

describe("simulate: acknowledgements and resolves, as the server decides them", () => {
  const story = amstaff("Story", (m) => {
    m.monitor("API", {
      sampler: probe,
      timing: every("1m"),
      policy: policy({ notify: { warning: [team], critical: [team, pager] }, renotify: "1h" }),
    });
    m.monitor("Gateway", {
      sampler: probe,
      timing: every("1m"),
      policy: policy({
        notify: { critical: [team] },
        open: { consecutive: 3 },
        flapping: { samples: 6, high: 0.5, low: 0.2 },
      }),
    });
  });
  const heard = (sim: ReturnType<typeof simulate>, handler: typeof team, monitor = "API") =>
    sim
      .to(handler)
      .filter((n) => n.monitor === monitor)
      .map((n) => `${n.kind} ${n.from}->${n.to}`);

  it("warning → ack → critical → ok: the pager hears the critical and its resolve", () => {
    const sim = simulate(story).set("API", "warning").advance("5m").ack("API", "alice");
    sim.set("API", "critical").advance("5m");
    expect(sim.status("API").incident).toMatchObject({ worst: "critical" });
    expect(sim.status("API").incident?.acknowledged).toBeUndefined();
    sim.set("API", "ok").advance("5m");
    expect(heard(sim, pager)).toEqual(["transition warning->critical", "transition critical->ok"]);
    expect(heard(sim, team)).toEqual([
      "transition pending->warning",
      "transition warning->critical",
      "transition critical->ok",
    ]);
  });

  it("an ack of the critical stops the pager's reminders; a fall after it pages no one anew", () => {
    const sim = simulate(story).set("API", "critical").advance("5m").ack("API");
    expect(() => sim.ack("API", "bob")).toThrow(/already acknowledged by tester/);
    sim.set("API", "warning").advance("3h");
    expect(heard(sim, pager)).toEqual(["transition pending->critical"]);
    expect(heard(sim, team)).toEqual(["transition pending->critical", "transition critical->warning"]);
    sim.set("API", "ok").advance("2m");
    expect(heard(sim, pager)).toEqual(["transition pending->critical", "transition critical->ok"]);
  });

  it("a flapping monitor's resolve reads as the recovery from its worst status", () => {
    const sim = simulate(story).set("API", "ok").feed("Gateway", ["ok", "ok", "ok"]);
    sim.feed("Gateway", ["critical", "ok", "critical", "ok", "critical", "ok", "critical", "ok"]);
    expect(heard(sim, team, "Gateway")).toEqual(["flapping ok->critical"]);
    sim.feed("Gateway", ["ok", "ok", "ok", "ok", "ok", "ok", "ok"]);
    const notes = heard(sim, team, "Gateway");
    expect(notes.at(-1)).toBe("transition critical->ok");
    expect(notes.filter((n) => n.endsWith("->ok"))).toHaveLength(1);
  });
});
