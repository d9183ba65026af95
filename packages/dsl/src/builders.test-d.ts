import type { PluginSpec } from "@amstaff/core";
import { describe, expectTypeOf, it } from "vitest";
import { type AmstaffModule, amstaff, cron, every, type MonitorRef, secret } from "./index.js";

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
});
