import { describe, expect, it } from "vitest";
import { moduleDefinitionSchema } from "./moduleDefinition.js";
import { suppressionOf, windowOpen } from "./suppression.js";

const at = (iso: string) => Date.parse(iso);

describe("windowOpen", () => {
  it("a one-off window is open from its start, up to (not including) its end", () => {
    const timing = { kind: "once" as const, from: 1_000, to: 2_000 };
    expect([999, 1_000, 1_999, 2_000].map((t) => windowOpen(timing, t))).toEqual([false, true, true, false]);
  });

  it("a cron window is open for its duration after every match, in its time zone", () => {
    const sundays = { kind: "cron" as const, expression: "0 2 * * 0", durationMs: 2 * 3_600_000 };
    expect(windowOpen(sundays, at("2026-11-29T01:59:59Z"))).toBe(false);
    expect(windowOpen(sundays, at("2026-11-29T02:00:00Z"))).toBe(true);
    expect(windowOpen(sundays, at("2026-11-29T03:59:59Z"))).toBe(true);
    expect(windowOpen(sundays, at("2026-11-29T04:00:00Z"))).toBe(false);
    expect(windowOpen(sundays, at("2026-11-30T02:30:00Z"))).toBe(false);
    const berlin = { ...sundays, timezone: "Europe/Berlin" };
    expect(windowOpen(berlin, at("2026-11-29T01:30:00Z"))).toBe(true);
    expect(windowOpen(berlin, at("2026-11-29T03:30:00Z"))).toBe(false);
  });
});

describe("suppressionOf", () => {
  const module = moduleDefinitionSchema.parse({
    name: "Payments",
    monitors: [
      {
        name: "Database",
        schedule: { kind: "interval", every: "30s" },
        sampler: { plugin: "x", options: {} },
      },
      {
        name: "API",
        tags: ["edge"],
        schedule: { kind: "interval", every: "30s" },
        sampler: { plugin: "x", options: {} },
        dependsOn: ["Database"],
      },
    ],
    maintenance: [
      { name: "deploy", timing: { kind: "once", from: 1_000, to: 2_000 }, scope: { tags: ["edge"] } },
    ],
  });
  const [database, api] = module.monitors as [(typeof module.monitors)[0], (typeof module.monitors)[0]];
  const context = { at: 5_000, silences: [], statusOf: () => "ok" as const };

  it("names the maintenance window, the silence or the failing dependency", () => {
    expect(suppressionOf(module, api, { ...context, at: 1_500 })).toBe('maintenance window "deploy"');
    expect(suppressionOf(module, database, { ...context, at: 1_500 })).toBeUndefined();
    expect(suppressionOf(module, api, { ...context, statusOf: () => "critical" })).toBe(
      'depends on "Database", which is critical',
    );
    const silence = {
      id: "s1",
      scope: { monitors: ["Database"] },
      from: 0,
      until: 10_000,
      by: "alice",
      reason: "migration",
    };
    expect(suppressionOf(module, database, { ...context, silences: [silence] })).toBe(
      "silenced by alice until 1970-01-01T00:00:10.000Z: migration",
    );
    expect(suppressionOf(module, database, { ...context, at: 10_000, silences: [silence] })).toBeUndefined();
    expect(
      suppressionOf(module, database, { ...context, silences: [{ ...silence, module: "Other" }] }),
    ).toBeUndefined();
  });

  it("refuses dangling dependencies and cycles", () => {
    const monitor = (name: string, dependsOn: string[]) => ({
      name,
      schedule: { kind: "interval", every: "30s" },
      sampler: { plugin: "x", options: {} },
      dependsOn,
    });
    const result = moduleDefinitionSchema.safeParse({
      name: "M",
      monitors: [monitor("a", ["b"]), monitor("b", ["c"]), monitor("c", ["a"]), monitor("d", ["nope"])],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["monitors.3.dependsOn.0", 'depends on "nope", which is not a monitor of module "M"'],
      ["monitors.0.dependsOn", 'dependency cycle: "a" → "b" → "c" → "a"'],
    ]);
  });
});
