import type { PluginSpec } from "@amstaff/core";
import { describe, expectTypeOf, it } from "vitest";
import {
  type AmstaffModule,
  amstaff,
  cron,
  type DefaultedMonitorOptions,
  every,
  type ModuleBuilder,
  type ModuleOptions,
  type MonitorDefaults,
  type MonitorRef,
  only,
  secret,
} from "./index.js";

const sampler: PluginSpec<"test-sampler", { url: string }> = {
  plugin: "test-sampler",
  options: { url: "http://x" },
};

describe("builders", () => {
  it("every() takes a Duration", () => {
    expectTypeOf(every("30s")).toEqualTypeOf<{
      kind: "interval";
      every: `${number}${"ms" | "s" | "m" | "h" | "d"}`;
    }>();
    every("500ms");
    every("1.5h");
    // @ts-expect-error "30 minutes" is not a Duration
    every("30 minutes");
    // @ts-expect-error a number is not a Duration
    every(30);
  });

  it("cron() and secret() build plain data", () => {
    expectTypeOf(cron("*/5 * * * *", { timezone: "Europe/Berlin" }).kind).toEqualTypeOf<"cron">();
    expectTypeOf(secret("HOOK_TOKEN")).toEqualTypeOf<{ $secret: string }>();
  });

  it("amstaff() checks monitor options", () => {
    const module = amstaff("User Service", (m) => {
      expectTypeOf(m.monitor("ok", { sampler, timing: every("30s") })).toEqualTypeOf<MonitorRef>();
      m.monitor("all options", {
        sampler,
        timing: cron("0 * * * *"),
        handlers: [sampler],
        tags: ["production"],
        consecutive: 2,
        timeout: "5s",
      });
      // @ts-expect-error the sampler is required
      m.monitor("no sampler", { timing: every("30s") });
      // @ts-expect-error the timing is required
      m.monitor("no timing", { sampler });
      // @ts-expect-error tags are strings
      m.monitor("bad tags", { sampler, timing: every("30s"), tags: [1, 2] });
      // @ts-expect-error a timeout is a Duration
      m.monitor("bad timeout", { sampler, timing: every("30s"), timeout: 5000 });
      // @ts-expect-error unknown options are refused
      m.monitor("typo", { sampler, timing: every("30s"), handler: [] });
    });
    expectTypeOf(module).toEqualTypeOf<AmstaffModule>();
  });

  it("amstaff() takes module-level defaults", () => {
    const hook: PluginSpec<"test-handler", { url: string }> = {
      plugin: "test-handler",
      options: { url: "http://hook" },
    };
    amstaff("With timing", { defaults: { timing: every("1m"), handlers: [hook], tags: ["team8"] } }, (m) => {
      expectTypeOf(m).toEqualTypeOf<ModuleBuilder<DefaultedMonitorOptions>>();
      // the timing comes from the defaults
      m.monitor("a", { sampler });
      m.monitor("b", { sampler, timing: cron("0 * * * *"), handlers: [], tags: ["x"], consecutive: 2 });
      // @ts-expect-error the sampler is still required
      m.monitor("c", { timing: every("30s") });
      // @ts-expect-error unknown options are refused
      m.monitor("d", { sampler, timeot: "5s" });
    });
    amstaff("Without timing", { defaults: { tags: ["team8"], consecutive: 2, timeout: "5s" } }, (m) => {
      expectTypeOf(m).toEqualTypeOf<ModuleBuilder>();
      m.monitor("a", { sampler, timing: every("30s") });
      // @ts-expect-error no default timing, so each monitor needs one
      m.monitor("b", { sampler });
    });
    amstaff("Empty", {}, (m) => {
      m.monitor("a", { sampler, timing: every("30s") });
    });
    // @ts-expect-error unknown defaults are refused
    amstaff("Typo", { defaults: { tag: ["x"] } }, () => {});
    // @ts-expect-error default durations are checked like the monitors'
    amstaff("Unit", { defaults: { timeout: "5 seconds" } }, () => {});
    // @ts-expect-error default timings too
    amstaff("Unit", { defaults: { timing: every("30 minutes") } }, () => {});
    const defaults: MonitorDefaults = { tags: ["shared"] };
    const options: ModuleOptions = { defaults };
    expectTypeOf(amstaff("Typed", options, () => {})).toEqualTypeOf<AmstaffModule>();
  });
});

describe("only()", () => {
  it("takes known statuses only", () => {
    const spec = { plugin: "x", options: {} };
    expectTypeOf(only(spec, { to: ["critical"], from: ["pending", "ok"] })).toMatchTypeOf<PluginSpec>();
    // @ts-expect-error: "down" is not a status
    only(spec, { to: ["down"] });
  });
});
