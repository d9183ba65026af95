import { describe, expect, it } from "vitest";
import { Simulation } from "./simulation.js";

const base = Number(process.env.RAFT_SEED ?? 1);
const count = process.env.RAFT_SEED ? 1 : Number(process.env.RAFT_SEEDS ?? 300);

describe("deterministic simulation", () => {
  it(`keeps every safety invariant and a linearizable history over ${count} seeds`, () => {
    let writes = 0;
    let reads = 0;
    for (let seed = base; seed < base + count; seed++) {
      const r = new Simulation({ seed, leaseRead: seed % 5 === 0 }).run();
      writes += r.acknowledgedWrites;
      reads += r.reads;
    }
    expect(writes).toBeGreaterThan(count * 5);
    expect(reads).toBeGreaterThan(count * 5);
  }, 120_000);

  it("replays a seed identically", () => {
    const a = new Simulation({ seed: 42 }).run();
    const b = new Simulation({ seed: 42 }).run();
    expect(a).toEqual(b);
  });
});
