import { describe, expect, it } from "vitest";
import { MemoryNetwork } from "./memoryNetwork.js";
import { RaftNode } from "./raftNode.js";
import { ENTRY_OVERHEAD_BYTES, SnapshotPolicy } from "./snapshotPolicy.js";
import { MemoryStorage } from "./storage.js";

/** How many entries of `data` bytes it takes until the policy asks for a snapshot. */
function entriesUntilDue(policy: SnapshotPolicy, data: number): number {
  for (let n = 1; n <= 1_000_000; n++) {
    policy.applied(data);
    if (policy.due()) return n;
  }
  throw new Error("never due");
}

describe("SnapshotPolicy", () => {
  it("asks for a snapshot once the log since the last one weighs logSizeFactor times that snapshot", () => {
    const policy = new SnapshotPolicy({ logSizeFactor: 4, minLogBytes: 0, maxLogBytes: 1e9 }, 10_000);
    expect(policy.thresholdBytes).toBe(40_000);
    const weight = 84 + ENTRY_OVERHEAD_BYTES; // 100 bytes an entry
    expect(entriesUntilDue(policy, 84)).toBe(400);
    // A state that doubled waits for twice as much log: the cost of snapshots stays a share of the work.
    policy.taken(20_000);
    expect(policy.logBytes).toBe(0);
    expect(entriesUntilDue(policy, 84)).toBe(80_000 / weight);
  });

  it("waits for minLogBytes with a small state, and snapshots by maxLogBytes with a huge one", () => {
    const small = new SnapshotPolicy({ logSizeFactor: 4, minLogBytes: 5_000, maxLogBytes: 1e6 }, 10);
    expect(small.thresholdBytes).toBe(5_000);
    expect(entriesUntilDue(small, 84)).toBe(50);
    const huge = new SnapshotPolicy({ logSizeFactor: 4, minLogBytes: 5_000, maxLogBytes: 1e6 }, 1e9);
    expect(huge.thresholdBytes).toBe(1e6);
    expect(entriesUntilDue(huge, 84)).toBe(10_000);
  });

  it("counts empty entries by their overhead, so a log of no-ops is still compacted", () => {
    const policy = new SnapshotPolicy({ logSizeFactor: 1, minLogBytes: 0, maxLogBytes: 1e6 }, 160);
    expect(entriesUntilDue(policy, 0)).toBe(160 / ENTRY_OVERHEAD_BYTES);
  });

  it("keeps the deprecated entry count when snapshotEntries is given", () => {
    const policy = new SnapshotPolicy({}, 1e9, 25);
    expect(entriesUntilDue(policy, 1_000)).toBe(25);
    policy.taken(5);
    expect(entriesUntilDue(policy, 0)).toBe(25);
  });

  it("starts over after a failed attempt instead of retrying on every entry", () => {
    const policy = new SnapshotPolicy({ logSizeFactor: 1, minLogBytes: 0, maxLogBytes: 1e6 }, 1_000);
    expect(entriesUntilDue(policy, 84)).toBe(10);
    policy.retryLater();
    expect(policy.due()).toBe(false);
    expect(entriesUntilDue(policy, 84)).toBe(10);
  });

  it("refuses options out of range with RAFT_INVALID_OPTION", () => {
    const bad = [
      { logSizeFactor: 0 },
      { logSizeFactor: Number.NaN },
      { minLogBytes: -1 },
      { minLogBytes: 10, maxLogBytes: 5 },
      { maxLogBytes: Number.POSITIVE_INFINITY },
    ];
    for (const options of bad) {
      expect(() => new SnapshotPolicy(options)).toThrow(
        expect.objectContaining({ code: "RAFT_INVALID_OPTION" }),
      );
    }
    expect(() => new SnapshotPolicy({}, 0, 0)).toThrow(
      expect.objectContaining({ code: "RAFT_INVALID_OPTION" }),
    );
  });

  it("makes RaftNode.create refuse snapshotEntries together with snapshotPolicy, before touching storage", async () => {
    const storage = new MemoryStorage();
    let loaded = false;
    storage.load = () => {
      loaded = true;
      return { entries: [] };
    };
    await expect(
      RaftNode.create({
        id: "a",
        initialMembers: ["a"],
        transport: new MemoryNetwork().transport("a"),
        storage,
        stateMachine: { apply: () => null, snapshot: () => new Uint8Array(), restore: () => {} },
        snapshotEntries: 10,
        snapshotPolicy: { logSizeFactor: 2 },
      }),
    ).rejects.toMatchObject({ code: "RAFT_INVALID_OPTION" });
    expect(loaded).toBe(false);
  });
});
