import { describe, expect, it } from "vitest";
import { moduleDefinitionSchema } from "./moduleDefinition.js";
import { sampleResultSchema } from "./sampleResult.js";

const sampler = { plugin: "http", options: { url: "http://127.0.0.1/" } };
const schedule = { kind: "interval", every: "10s" };

describe("moduleDefinitionSchema", () => {
  it("gives monitors without tags, handlers or dependencies one shared, frozen empty list", () => {
    const { monitors } = moduleDefinitionSchema.parse({
      name: "m",
      monitors: [
        { name: "a", schedule, sampler },
        { name: "b", schedule, sampler, tags: [], handlers: [], dependsOn: [] },
        { name: "c", schedule, sampler, tags: ["db"], dependsOn: ["a"] },
      ],
    });
    const [a, b, c] = monitors;
    expect(a!.tags).toEqual([]);
    for (const list of [a!.handlers, a!.dependsOn, b!.tags, b!.handlers, b!.dependsOn])
      expect(list).toBe(a!.tags);
    expect(Object.isFrozen(a!.tags)).toBe(true);
    expect(c!.tags).toEqual(["db"]);
    expect(c!.dependsOn).toEqual(["a"]);
  });

  it("keeps the schema's keys in its order, with and without the optional ones", () => {
    const { monitors } = moduleDefinitionSchema.parse({
      name: "m",
      monitors: [
        { timeoutMs: 500, sampler, schedule, name: "a" },
        { resolve: 2, sampler, schedule, name: "b", renotifyMs: 60_000 },
      ],
    });
    const usual = ["name", "tags", "schedule", "sampler", "handlers", "consecutive", "unknown", "dependsOn"];
    expect(Object.keys(monitors[0]!)).toEqual([...usual, "timeoutMs"]);
    expect(monitors[0]!.timeoutMs).toBe(500);
    expect(Object.keys(monitors[1]!)).toEqual([
      "name",
      "tags",
      "schedule",
      "sampler",
      "handlers",
      "renotifyMs",
      "consecutive",
      "resolve",
      "unknown",
      "dependsOn",
      "timeoutMs",
    ]);
  });
});

describe("sampleResultSchema", () => {
  it("returns the result's known keys in the schema's order, unknown ones dropped", () => {
    const parsed = sampleResultSchema.parse({
      details: { code: 200 },
      extra: 1,
      timestamp: 5,
      durationMs: 1.5,
      value: 3,
      message: "fine",
      status: "ok",
    });
    expect(Object.entries(parsed)).toEqual([
      ["status", "ok"],
      ["message", "fine"],
      ["value", 3],
      ["durationMs", 1.5],
      ["timestamp", 5],
      ["details", { code: 200 }],
    ]);
  });
});
