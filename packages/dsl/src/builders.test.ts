import { describe, expect, it } from "vitest";
import { amstaff, cron, every, secret } from "./index.js";

const sampler = { plugin: "test-sampler", options: { url: "http://x.example" } };

describe("builders", () => {
  it("build plain data", () => {
    expect(every("30s")).toEqual({ kind: "interval", every: "30s" });
    expect(cron("0 3 * * *")).toEqual({ kind: "cron", expression: "0 3 * * *" });
    expect(cron("0 3 * * *", { timezone: "Europe/Berlin" })).toEqual({
      kind: "cron",
      expression: "0 3 * * *",
      timezone: "Europe/Berlin",
    });
    expect(secret("HOOK_TOKEN")).toEqual({ $secret: "HOOK_TOKEN" });
  });

  it("amstaff() collects the monitors in order, as JSON-ready data", () => {
    let ref: unknown;
    const module = amstaff("User Service", (m) => {
      ref = m.monitor("A", { sampler, timing: every("30s"), tags: ["p"], consecutive: 2, timeout: "5s" });
      m.monitor("B", { sampler, timing: every("1m"), handlers: [sampler] });
    });
    expect(ref).toEqual({ module: "User Service", name: "A" });
    expect(JSON.parse(JSON.stringify(module))).toEqual({
      name: "User Service",
      monitors: [
        {
          name: "A",
          tags: ["p"],
          schedule: every("30s"),
          sampler,
          handlers: [],
          consecutive: 2,
          timeout: "5s",
        },
        { name: "B", tags: [], schedule: every("1m"), sampler, handlers: [sampler] },
      ],
      maintenance: [],
    });
  });

  it("refuses m.monitor() after amstaff() returned", () => {
    let late: ((name: string) => void) | undefined;
    amstaff("M", (m) => {
      late = (name) => m.monitor(name, { sampler, timing: every("30s") });
    });
    expect(() => late?.("X")).toThrow('m.monitor("X") was called after amstaff("M", ...) returned');
  });

  it("amstaff() with defaults: monitors start from them and override them; tags add up", () => {
    const hook = { plugin: "test-handler", options: { url: "http://hook.example" } };
    const pager = { plugin: "test-handler", options: { url: "http://pager.example" } };
    const module = amstaff(
      "User Service",
      {
        defaults: {
          timing: every("1m"),
          handlers: [hook],
          tags: ["team8", "prod"],
          consecutive: 3,
          timeout: "5s",
        },
      },
      (m) => {
        m.monitor("A", { sampler });
        m.monitor("B", {
          sampler,
          timing: every("5m"),
          handlers: [pager],
          tags: ["slow", "prod"],
          consecutive: 1,
          timeout: "30s",
        });
        m.monitor("C", { sampler, handlers: [] });
      },
    );
    expect(JSON.parse(JSON.stringify(module)).monitors).toEqual([
      {
        name: "A",
        tags: ["team8", "prod"],
        schedule: every("1m"),
        sampler,
        handlers: [hook],
        consecutive: 3,
        timeout: "5s",
      },
      {
        name: "B",
        tags: ["team8", "prod", "slow"],
        schedule: every("5m"),
        sampler,
        handlers: [pager],
        consecutive: 1,
        timeout: "30s",
      },
      {
        name: "C",
        tags: ["team8", "prod"],
        schedule: every("1m"),
        sampler,
        handlers: [],
        consecutive: 3,
        timeout: "5s",
      },
    ]);
  });

  it("amstaff() copies its defaults when called", () => {
    const defaults = { tags: ["a"] as string[] };
    const module = amstaff("M", { defaults }, (m) => {
      defaults.tags = ["changed"];
      m.monitor("A", { sampler, timing: every("30s") });
    });
    expect(JSON.parse(JSON.stringify(module)).monitors[0].tags).toEqual(["a"]);
  });
});
