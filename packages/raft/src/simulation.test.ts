import { describe, expect, it, vi } from "vitest";
import { Simulation } from "./simulation.js";
import { MemoryStorage } from "./storage.js";

const base = Number(process.env.RAFT_SEED ?? 1);
const count = process.env.RAFT_SEED ? 1 : Number(process.env.RAFT_SEEDS ?? 300);

describe("deterministic simulation", () => {
  it(`keeps every safety invariant and a linearizable history over ${count} seeds`, () => {
    let writes = 0;
    let reads = 0;
    let leaderCrashes = 0;
    let earlyCommits = 0;
    const background = { readiesMeanwhile: 0, crashesLosingEntries: 0 };
    const slow = { committedMeanwhile: 0 };
    const settled = { applied: 0, appliedResultUnknown: 0, dropped: 0, unknown: 0 };
    const snapshotReads = vi.spyOn(MemoryStorage.prototype, "snapshotData");
    let snapshotsRead = 0;
    for (let seed = base; seed < base + count; seed++) {
      const r = new Simulation({ seed, leaseRead: seed % 5 === 0 }).run();
      writes += r.acknowledgedWrites;
      reads += r.reads;
      leaderCrashes += r.leaderCrashesBeforeFsync;
      earlyCommits += r.commitsBeforeLeaderFsync;
      background.readiesMeanwhile += r.backgroundSync.readiesMeanwhile;
      background.crashesLosingEntries += r.backgroundSync.crashesLosingEntries;
      slow.committedMeanwhile += r.slowSnapshots.committedMeanwhile;
      for (const k of Object.keys(settled) as (keyof typeof settled)[]) settled[k] += r.settled[k];
      snapshotsRead += snapshotReads.mock.results.filter((s) => s.value !== undefined).length;
      snapshotReads.mockClear();
    }
    expect(writes).toBeGreaterThan(count * 5);
    expect(reads).toBeGreaterThan(count * 5);
    // Each run checks every settled write against the committed log and fails if any proposal is still
    // pending at the end; over many seeds, deposed leaders' writes are dropped and unknown, not only applied.
    if (count >= 100) {
      expect(settled.dropped).toBeGreaterThan(0);
      expect(settled.unknown).toBeGreaterThan(0);
      // The leader writes its log in parallel with replicating it (thesis §10.2.1): leaders crashed with
      // entries on followers but not on their own disk, and quorums of followers committed without them.
      expect(leaderCrashes).toBeGreaterThan(0);
      expect(earlyCommits).toBeGreaterThan(0);
      // With a background sync (RaftStorage.sync), leaders went on handling Readies while their own
      // entries were unsynced, and crashed losing entries they had sent — with nothing committed lost.
      expect(background.readiesMeanwhile).toBeGreaterThan(0);
      expect(background.crashesLosingEntries).toBeGreaterThan(0);
      // Snapshots that held applying while entries committed (one a leader's snapshot superseded: below).
      expect(slow.committedMeanwhile).toBeGreaterThan(0);
      // Leaders sent snapshots with the bytes read back from storage (nodes keep only the metadata, and a
      // few entries: logCacheBytes), so the checks above covered that path too.
      expect(snapshotsRead).toBeGreaterThan(count / 2);
    }
    snapshotReads.mockRestore();
  }, 120_000);

  it("keeps its invariants when a leader's snapshot supersedes a slow local one", () => {
    // Rare (2 of seeds 1–1,500 since restarts recover the commit index lazily, 5 before): a seed that has one.
    expect(new Simulation({ seed: 458, leaseRead: false }).run().slowSnapshots.superseded).toBeGreaterThan(0);
  });

  it("replays a seed identically", () => {
    const a = new Simulation({ seed: 42 }).run();
    const b = new Simulation({ seed: 42 }).run();
    expect(a).toEqual(b);
  });
});
