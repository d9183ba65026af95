import { defineHandlerPlugin } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { amstaff, every, grouped, notifyOn } from "./builders.js";
import { simulate } from "./testing.js";

const probe = { plugin: "test-sampler", options: { url: "http://x" } };
const hook = { plugin: "test-handler", options: { url: "https://hooks.example.com/ops" } };
const pager = notifyOn({ plugin: "test-pager", options: {} }, { acknowledged: true });

const shop = amstaff("Shop", (m) => {
  for (const name of ["API", "Cart", "Search"]) {
    m.monitor(name, {
      sampler: probe,
      timing: every("30s"),
      handlers: [grouped(hook, { wait: "1m", interval: "10m" }), pager],
    });
  }
});

describe("simulate() with a grouping handler", () => {
  it("shows one message for a burst, and the recovery an interval later", () => {
    const sim = simulate(shop);
    sim.set("API", "critical").set("Cart", "critical").advance("30s");
    sim.set("Search", "critical").advance("30s");
    expect(sim.groups).toMatchObject([
      {
        id: "group-1",
        at: sim.now,
        labels: { module: "Shop" },
        notifications: ["API: pending → critical", "Cart: pending → critical", "Search: ok → critical"],
      },
    ]);
    for (const name of ["API", "Cart", "Search"]) sim.set(name, "ok");
    sim.advance("30s");
    expect(sim.groups[1]).toMatchObject({
      at: sim.groups[0]!.at + 600_000,
      notifications: ["API: critical → ok", "Cart: critical → ok", "Search: critical → ok"],
    });
    expect(sim.to(hook).map((n) => n.group)).toEqual([
      "group-1",
      "group-1",
      "group-1",
      "group-2",
      "group-2",
      "group-2",
    ]);
  });

  it("sends an acknowledged notification at once to a handler that opts in", () => {
    const sim = simulate(shop);
    sim.set("API", "critical").advance("30s");
    sim.take();
    sim.ack("API", "alice");
    expect(sim.take().map((n) => [n.kind, n.plugin])).toEqual([["acknowledged", "test-pager"]]);
  });

  it("paces a group's next message by its interval (the alert-policy guide's example)", () => {
    const ops = grouped(hook, { by: ["module"], wait: "30s", interval: "5m" });
    const checkout = amstaff("Checkout", { defaults: { timing: every("30s"), handlers: [ops] } }, (m) => {
      for (const name of ["API", "Cart", "Search"]) m.monitor(name, { sampler: probe });
    });
    const sim = simulate(checkout);
    for (const name of ["API", "Cart", "Search"]) sim.set(name, "critical");
    sim.advance("1m");
    expect(sim.groups.map((g) => g.notifications.length)).toEqual([3]);
    for (const name of ["API", "Cart", "Search"]) sim.set(name, "ok");
    sim.advance("10m");
    expect(
      sim.groups.map((g) => `${g.notifications.length} at +${(g.at - sim.groups[0]!.at) / 60_000}m`),
    ).toEqual(["3 at +0m", "3 at +5m"]);
  });

  it("stores a group's durations in milliseconds, with defaults, and a plugin's notifyOn", () => {
    const pagerPlugin = defineHandlerPlugin({
      kind: "handler",
      id: "test-pager",
      package: "test-pager",
      description: "a pager",
      options: z.object({}),
      builders: {},
      create: () => ({ name: "pager", notify: async () => undefined }),
      notifyOn: { acknowledged: true },
    });
    const module = amstaff("Shop", (m) => {
      m.monitor("API", {
        sampler: probe,
        timing: every("30s"),
        handlers: [grouped(hook, { wait: "10s" }), { plugin: "test-pager", options: {} }],
      });
    });
    const [monitor] = simulate(module, { plugins: [pagerPlugin] }).definition.monitors;
    expect(monitor?.handlers).toEqual([
      { ...hook, group: { by: ["module"], waitMs: 10_000, intervalMs: 300_000 } },
      { plugin: "test-pager", options: {}, notifyOn: { acknowledged: true } },
    ]);
  });
});
