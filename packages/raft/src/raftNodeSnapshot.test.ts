import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "./__tests__/manualClock.js";
import { type KvCommand, KvStateMachine } from "./kvStateMachine.js";
import { MemoryNetwork } from "./memoryNetwork.js";
import { RaftNode, type RaftNodeOptions, type StateMachine } from "./raftNode.js";
import { ENTRY_OVERHEAD_BYTES } from "./snapshotPolicy.js";
import { MemoryStorage } from "./storage.js";
import type { Snapshot } from "./types.js";

const tickMs = 60_000; // only the injected clock elects: nothing depends on real time
const live: RaftNode<never, unknown>[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((n) => n.stop()));
});

/** Records every local snapshot it is given. */
class RecordingStorage extends MemoryStorage {
  readonly snapshots: Snapshot[] = [];
  override saveSnapshot(snapshot: Snapshot, compactTo: number): void {
    this.snapshots.push(snapshot);
    super.saveSnapshot(snapshot, compactTo);
  }
}

async function soloNode<C, R>(
  stateMachine: StateMachine<C, R>,
  storage: MemoryStorage,
  extra: Partial<RaftNodeOptions<C, R>> = {},
): Promise<RaftNode<C, R>> {
  const clock = new ManualClock();
  const node = await RaftNode.create<C, R>({
    id: "a",
    initialMembers: ["a"],
    transport: new MemoryNetwork().transport("a"),
    storage,
    stateMachine,
    tickMs,
    clock,
    snapshotKeep: 0,
    ...extra,
  });
  live.push(node as RaftNode<never, unknown>);
  clock.advance(20 * tickMs); // the election timeout is randomized in [10, 20) ticks
  expect(node.role).toBe("leader");
  return node;
}

/** Applied commands with their log index; its snapshot waits for `release()` when `slow` is set. */
class SlowLog implements StateMachine<number, number> {
  applied: [index: number, value: number][] = [];
  slow = false;
  snapshotsAsked = 0;
  #release: (() => void) | undefined;
  apply(value: number, index: number): number {
    this.applied.push([index, value]);
    return this.applied.length;
  }
  async snapshot(): Promise<Uint8Array> {
    this.snapshotsAsked++;
    if (this.slow) await new Promise<void>((resolve) => (this.#release = resolve));
    // Encoded at the end, from the live state: had the node applied meanwhile, it would show here.
    return new TextEncoder().encode(JSON.stringify(this.applied));
  }
  restore(snapshot: Uint8Array): void {
    this.applied = JSON.parse(new TextDecoder().decode(snapshot));
  }
  release(): void {
    this.#release?.();
  }
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe("RaftNode snapshots", () => {
  it("snapshots by log size: the larger the state, the more log between two snapshots", async () => {
    const storage = new RecordingStorage();
    const kv = new KvStateMachine();
    const node = await soloNode<KvCommand, string | null>(kv, storage, {
      snapshotPolicy: { logSizeFactor: 1, minLogBytes: 2_000, maxLogBytes: 1e9 },
    });
    const put = (i: number): KvCommand => ({ op: "put", key: `key-${i}`, value: "v".repeat(20) });
    for (let i = 0; i < 400; i++) await node.propose(put(i));
    const heaviest = JSON.stringify(put(399)).length + ENTRY_OVERHEAD_BYTES;
    const snaps = storage.snapshots;
    expect(snaps.length).toBeGreaterThanOrEqual(3);
    let previous = { index: 0, bytes: 0 };
    const gaps: number[] = [];
    for (const s of snaps) {
      gaps.push(s.meta.index - previous.index);
      // No entry weighs more than the last one: the log between two snapshots weighs max(floor, previous).
      expect((s.meta.index - previous.index) * heaviest).toBeGreaterThanOrEqual(
        Math.max(2_000, previous.bytes),
      );
      previous = { index: s.meta.index, bytes: s.data.length };
    }
    expect(gaps.at(-1)!).toBeGreaterThan(gaps[0]!);
    // The stored log was compacted up to the last snapshot.
    expect(storage.entryCount()).toBe(node.appliedIndex - snaps.at(-1)!.meta.index);
  });

  it("holds applying while a slow snapshot encodes; entries committed meanwhile are kept once after restart", async () => {
    const storage = new RecordingStorage();
    const machine = new SlowLog();
    const node = await soloNode<number, number>(machine, storage, {
      snapshotPolicy: { logSizeFactor: 1, minLogBytes: 1_000, maxLogBytes: 1e9 },
    });
    let next = 0;
    // A snapshot starts once the entry that made it due is applied: look a few turns after each write.
    const write = async () => {
      await node.propose(++next);
      await turns(3);
    };
    while (machine.snapshotsAsked === 0) await write();
    machine.slow = true;
    while (machine.snapshotsAsked === 1) await write();
    // The second snapshot is encoding now, at this index; write more while it is.
    const at = node.appliedIndex;
    const during = Array.from({ length: 20 }, () => node.propose(++next));
    for (let i = 0; i < 100 && node.commitIndex < at + 20; i++) await turns(1);
    expect(node.commitIndex).toBe(at + 20); // committed (durable) ...
    expect(node.appliedIndex).toBe(at); // ... but not applied while the state is being encoded
    expect(machine.applied.at(-1)![0]).toBe(at);
    machine.release();
    expect(await Promise.all(during)).toHaveLength(20);
    await turns(5);
    const snap = storage.snapshots.at(-1)!;
    expect(snap.meta.index).toBe(at);
    const inSnapshot = JSON.parse(new TextDecoder().decode(snap.data)) as [number, number][];
    expect(inSnapshot.at(-1)![0]).toBe(at);
    const before = machine.applied;
    await node.stop();

    // A restart restores the snapshot and applies only what came after it: every write exactly once.
    const restored = new SlowLog();
    const again = await soloNode<number, number>(restored, storage);
    await again.propose(++next);
    expect(restored.applied.slice(0, before.length)).toEqual(before);
    expect(restored.applied.map(([, value]) => value)).toEqual(Array.from({ length: next }, (_, i) => i + 1));
  });
});
