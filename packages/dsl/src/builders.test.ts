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
    });
  });

  it("refuses m.monitor() after amstaff() returned", () => {
    let late: ((name: string) => void) | undefined;
    amstaff("M", (m) => {
      late = (name) => m.monitor(name, { sampler, timing: every("30s") });
    });
    expect(() => late?.("X")).toThrow('m.monitor("X") was called after amstaff("M", ...) returned');
  });
});
