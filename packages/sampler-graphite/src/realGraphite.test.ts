import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { feedCarbon, type RealGraphite, realGraphite, waitForDatapoints } from "./__tests__/realGraphite.js";
import { graphiteSampler } from "./graphiteSampler.js";
import type { GraphiteSamplerOptions } from "./options.js";

// A real graphite-web and carbon-cache (Debian's graphite-web and graphite-carbon), started by
// scripts/graphite.sh. Every run feeds its own metrics, under a prefix no other run uses.
const prefix = `amstaff_test.run_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
let graphite: RealGraphite;

beforeAll(async () => {
  graphite = await realGraphite();
  const now = Math.floor(Date.now() / 1000);
  // Whole 10-second steps back from a step boundary: each point lands in its own bucket of the 10 s archive.
  const base = now - (now % 10);
  const points = [
    ...[80, 85, 90, 95].map((value, i) => ({
      metric: `${prefix}.cpu.web1`,
      value,
      timestamp: base - 80 + i * 20,
    })),
    ...[60, 62, 64].map((value, i) => ({
      metric: `${prefix}.cpu.web2`,
      value,
      timestamp: base - 60 + i * 20,
    })),
    ...[95, 97.1, 99.2].map((value, i) => ({
      metric: `${prefix}.cpu.web3`,
      value,
      timestamp: base - 60 + i * 20,
    })),
    ...[12, 8, 4].map((value, i) => ({
      metric: `${prefix}.disk.free`,
      value,
      timestamp: base - 60 + i * 20,
    })),
    // Older than a 2-minute window: over -2min this series exists with only null datapoints.
    { metric: `${prefix}.stale.cpu`, value: 50, timestamp: base - 250 },
  ];
  await feedCarbon(graphite.carbon, points);
  await waitForDatapoints(graphite.url, `${prefix}.*.*`, points.length);
}, 30_000);

const probe = (options: Omit<GraphiteSamplerOptions, "url">) =>
  graphiteSampler({ url: graphite.url, ...options }).probe();

describe("against a real Graphite", () => {
  it("is critical above the critical threshold", async () => {
    const result = await probe({ target: `${prefix}.cpu.web1`, warning: 70, critical: 85 });
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`${prefix}.cpu.web1 avg 87.5 over -5min is above the critical threshold 85`);
    expect(result.value).toBe(87.5);
    expect(result.details?.series).toEqual({ [`${prefix}.cpu.web1`]: { value: 87.5, status: "critical" } });
  });

  it("aggregates the window with avg, last, min, max and sum", async () => {
    const values: Record<string, number | undefined> = {};
    for (const aggregation of ["avg", "last", "min", "max", "sum"] as const) {
      values[aggregation] = (await probe({ target: `${prefix}.cpu.web1`, aggregation })).value;
    }
    expect(values).toEqual({ avg: 87.5, last: 95, min: 80, max: 95, sum: 350 });
  });

  it("judges values below the thresholds when direction is below", async () => {
    const disk = (aggregation: "avg" | "last" | "max") =>
      probe({ target: `${prefix}.disk.free`, direction: "below", warning: 10, critical: 5, aggregation });
    const avg = await disk("avg");
    expect(avg.status).toBe("warning");
    expect(avg.message).toBe(`${prefix}.disk.free avg 8 over -5min is below the warning threshold 10`);
    expect((await disk("last")).status).toBe("critical");
    expect((await disk("max")).status).toBe("ok");
  });

  it("lets the worst of several series decide, naming each one", async () => {
    const result = await probe({ target: `${prefix}.cpu.*`, warning: 70, critical: 85 });
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`2 of 3 series critical (worst: ${prefix}.cpu.web3 avg 97.1 ≥ 85)`);
    expect(result.details?.series).toEqual({
      [`${prefix}.cpu.web3`]: { value: expect.closeTo(97.1, 10), status: "critical" },
      [`${prefix}.cpu.web1`]: { value: 87.5, status: "critical" },
      [`${prefix}.cpu.web2`]: { value: 62, status: "ok" },
    });
  });

  it("judges what a Graphite function returns", async () => {
    const result = await probe({ target: `sumSeries(${prefix}.cpu.*)`, aggregation: "max", critical: 250 });
    expect(result.status).toBe("critical");
    expect(result.value).toBeCloseTo(95 + 64 + 99.2, 10);
    expect(result.message).toBe(
      `sumSeries(${prefix}.cpu.*) max 258.2 over -5min is above the critical threshold 250`,
    );
  });

  it("applies onMissing to a series with only null datapoints", async () => {
    const stale = (onMissing?: "critical") =>
      probe({
        target: `${prefix}.stale.cpu`,
        from: "-2min",
        critical: 85,
        ...(onMissing ? { onMissing } : {}),
      });
    const unknown = await stale();
    expect(unknown.status).toBe("unknown");
    expect(unknown.message).toBe(`${prefix}.stale.cpu has no datapoints over -2min`);
    expect((await stale("critical")).status).toBe("critical");
    expect((await probe({ target: `${prefix}.stale.cpu`, critical: 85 })).status).toBe("ok");
  });

  it("applies onMissing to a target without any series", async () => {
    const target = `${prefix}.does.not.exist`;
    const unknown = await probe({ target });
    expect(unknown.status).toBe("unknown");
    expect(unknown.message).toBe(`Graphite returned no series for ${target} over -5min`);
    expect((await probe({ target, onMissing: "ok" })).status).toBe("ok");
  });

  it("is unknown when Graphite rejects the target, quoting why", async () => {
    const result = await probe({ target: `nosuchfunction(${prefix}.cpu.web1)` });
    expect(result.status).toBe("unknown");
    expect(result.message).toContain("answered HTTP 400");
    expect(result.message).toContain("unknown function: nosuchfunction");
  });
});
