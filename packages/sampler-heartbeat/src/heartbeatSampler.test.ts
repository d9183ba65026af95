import type { HeartbeatRecord, PluginHost } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { heartbeatPlugin } from "./plugin.js";

/** A host whose committed pings the test sets, by `module/monitor`. */
function fakeHost(records: Map<string, HeartbeatRecord>): PluginHost {
  return {
    files: { resolve: () => ({ ok: false, reason: "no files" }) },
    heartbeats: { get: (module, monitor) => records.get(`${module}/${monitor}`) },
  };
}

describe("the heartbeat sampler", () => {
  const options = heartbeatPlugin.options.parse({ every: "2s", grace: "1s" });

  it("reads its own monitor's committed pings through the host", async () => {
    const records = new Map<string, HeartbeatRecord>([
      ["batch/backup", { lastSuccessAt: Date.now() }],
      ["other/backup", { lastSuccessAt: Date.now(), lastFailAt: Date.now() + 1 }],
    ]);
    const host = fakeHost(records);
    const sampler = heartbeatPlugin.create(options, { name: "backup", tags: [], module: "batch", host });
    expect((await sampler.probe()).status).toBe("ok");
    const other = heartbeatPlugin.create(options, { name: "backup", tags: [], module: "other", host });
    expect((await other.probe()).status).toBe("critical");
  });

  it("is late, then critical, when no ping comes", async () => {
    let now = 1_000_000;
    const { createHeartbeatSampler } = await import("./heartbeatSampler.js");
    const host = fakeHost(new Map());
    const sampler = createHeartbeatSampler(options, {
      name: "m",
      tags: [],
      module: "x",
      host,
      now: () => now,
    });
    expect((await sampler.probe()).status).toBe("ok");
    now += 2_500;
    expect((await sampler.probe()).status).toBe("warning");
    now += 1_000;
    expect((await sampler.probe()).status).toBe("critical");
  });

  it("is unknown, saying why, outside a server", async () => {
    const sampler = heartbeatPlugin.create(options, { name: "backup", tags: [] });
    const result = await sampler.probe();
    expect(result.status).toBe("unknown");
    expect(result.message).toContain("runs inside an Amstaff server");
  });
});
