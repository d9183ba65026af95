import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Net } from "./__tests__/net.js";
import { type KvCommand, KvStateMachine } from "./kvStateMachine.js";
import { MemoryNetwork } from "./memoryNetwork.js";
import { RaftCore } from "./raft.js";
import { RaftNode } from "./raftNode.js";
import { SqliteStorage } from "./sqliteStorage.js";
import { readyUpdate } from "./storage.js";
import { TermRuns } from "./termRuns.js";

const enc = (s: string) => new TextEncoder().encode(s);
const payload = (i: number) => enc(`entry-${i}-${"x".repeat(100)}`);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A three-node cluster whose cores keep about `cacheBytes` of durable entries and read the rest back. */
function readBackNet(cacheBytes: number, opts: { snapshotChunkSize?: number } = {}): Net {
  const net = new Net(
    ["a", "b", "c"],
    { logCacheBytes: cacheBytes, maxEntriesPerMsg: 8, ...opts },
    undefined,
    true,
  );
  net.get("a").campaign();
  net.settle();
  return net;
}

describe("log entries and snapshot read back from storage", () => {
  it("catches up a follower that lags past the leader's cache with entries read from storage", () => {
    const net = readBackNet(1024);
    net.isolate("c");
    for (let i = 0; i < 60; i++) net.get("a").propose([payload(i)]);
    net.settle();
    const reads = vi.spyOn(net.storages.get("a")!, "entries");
    net.heal();
    net.tickAll(3);
    // The entries c lacks are long out of a's cache: they came from a's storage, in bounded batches.
    expect(reads.mock.calls.some(([lo]) => lo <= 10)).toBe(true);
    expect(net.get("c").commit).toBe(net.get("a").commit);
    expect(net.applied.get("c")).toEqual(net.applied.get("a"));
    expect(net.get("c").logEntries()).toEqual(net.get("a").logEntries());
  });

  it("sends a snapshot whose bytes it reads from storage, once storage has it", () => {
    const net = readBackNet(1024, { snapshotChunkSize: 5 });
    net.isolate("c");
    for (let i = 0; i < 20; i++) net.get("a").propose([payload(i)]);
    net.settle();
    const a = net.get("a");
    const snap = a.compact(enc("state-machine-bytes"));
    net.heal();
    // Not stored yet: the log holds only the metadata, so c waits (etcd's snapshot temporarily unavailable).
    expect(a.snapshot()).toBeNull();
    net.tickAll(2);
    expect(net.get("c").snapshot()).toBeNull();
    const reads = vi.spyOn(net.storages.get("a")!, "snapshotData");
    net.storages.get("a")!.saveSnapshot(snap, a.compactedIndex());
    net.tickAll(2);
    expect(reads).toHaveBeenCalledWith(snap.meta.index);
    // Read once for the whole chunked transfer, not once per chunk.
    expect(reads.mock.calls.length).toBeLessThan(3);
    expect(net.get("c").snapshot()?.data).toEqual(enc("state-machine-bytes"));
    expect(net.get("c").commit).toBe(a.commit);
    a.propose([enc("after")]);
    net.settle();
    expect(net.applied.get("c")).toEqual(["after"]);
  });

  it("restarts from SqliteStorage, re-applying and serving entries beyond its cache from the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "raftlog-"));
    dirs.push(dir);
    const storage = new SqliteStorage({ path: join(dir, "raft.db") });
    const drive = (core: RaftCore) => {
      const applied: string[] = [];
      while (core.hasReady()) {
        const rd = core.ready();
        storage.save(readyUpdate(rd));
        core.advance(rd);
        for (const e of rd.committedEntries)
          if (e.data.length > 0) applied.push(new TextDecoder().decode(e.data));
      }
      return applied;
    };
    const options = { id: "a", logCacheBytes: 2048 };
    const first = new RaftCore(options, { initialConf: { voters: ["a"], learners: [] }, storage });
    drive(first); // applies the bootstrap membership, which makes it a voter
    first.campaign();
    drive(first);
    for (let i = 0; i < 30; i++) first.propose([payload(i)]);
    drive(first);
    const snap = first.compact(enc("state at applied"), 20);
    await storage.saveSnapshot(snap, first.compactedIndex());
    for (let i = 30; i < 40; i++) first.propose([payload(i)]);
    const before = drive(first);
    expect(before).toHaveLength(10);

    const restarted = new RaftCore(options, { ...storage.load(), storage });
    expect(restarted.snapshot()?.data).toEqual(enc("state at applied"));
    const reapplied = drive(restarted);
    expect(reapplied).toEqual(
      Array.from({ length: 10 }, (_, k) => new TextDecoder().decode(payload(30 + k))),
    );
    expect(restarted.logEntries().map((e) => e.index)).toEqual(
      Array.from({ length: restarted.lastIndex() - snap.meta.index }, (_, k) => snap.meta.index + 1 + k),
    );
    expect(restarted.logEntries()).toEqual(first.entriesBetween(snap.meta.index + 1, first.lastIndex()));
    await storage.close();
  });
});

describe("RaftNode over SqliteStorage", () => {
  it("catches up a restarted follower behind the leader's compaction with the snapshot read from the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "raftlog-"));
    dirs.push(dir);
    const net = new MemoryNetwork();
    const ids = ["a", "b", "c"];
    const storages = new Map(ids.map((id) => [id, new SqliteStorage({ path: join(dir, `${id}.db`) })]));
    const start = (id: string, kv: KvStateMachine, initialMembers?: string[]) =>
      RaftNode.create<KvCommand, string | null>({
        id,
        ...(initialMembers ? { initialMembers } : {}),
        transport: net.transport(id),
        storage: storages.get(id)!,
        stateMachine: kv,
        tickMs: 5,
        seed: ids.indexOf(id) + 1,
        snapshotEntries: 10,
        snapshotKeep: 0,
      });
    const nodes = await Promise.all(ids.map((id) => start(id, new KvStateMachine(), ids)));
    let leader: RaftNode<KvCommand, string | null> | undefined;
    for (let i = 0; i < 400 && !leader; i++) {
      leader = nodes.find((n) => n.role === "leader");
      await new Promise((r) => setTimeout(r, 5));
    }
    const victim = nodes.find((n) => n !== leader)!;
    await victim.stop();
    for (let i = 0; i < 40; i++) await leader!.propose({ op: "put", key: `k${i}`, value: `${i}` });
    const leaderStorage = storages.get(leader!.id)!;
    const reads = vi.spyOn(leaderStorage, "snapshotData");
    // A fresh file for the victim: it needs everything, and the leader's log starts after its snapshot.
    storages.set(victim.id, new SqliteStorage({ path: join(dir, `${victim.id}-again.db`) }));
    const kv = new KvStateMachine();
    const restarted = await start(victim.id, kv);
    await leader!.propose({ op: "put", key: "last", value: "x" });
    for (let i = 0; i < 400 && kv.get("last") !== "x"; i++) await new Promise((r) => setTimeout(r, 5));
    expect(kv.get("k0")).toBe("0");
    expect(kv.get("last")).toBe("x");
    expect(reads.mock.results.some((r) => r.value !== undefined)).toBe(true);
    await Promise.all([...nodes.filter((n) => n !== victim), restarted].map((n) => n.stop()));
  });
});

describe("TermRuns", () => {
  it("answers terms across truncation and compaction", () => {
    const runs = new TermRuns();
    for (let i = 1; i <= 10; i++) runs.push(i, i <= 4 ? 1 : i <= 7 ? 2 : 3);
    expect([1, 4, 5, 7, 8, 10, 11].map((i) => runs.at(i))).toEqual([1, 1, 2, 2, 3, 3, undefined]);
    runs.truncateFrom(6);
    runs.push(6, 4);
    expect([5, 6, 7].map((i) => runs.at(i))).toEqual([2, 4, undefined]);
    runs.dropTo(3);
    expect([3, 4, 5, 6].map((i) => runs.at(i))).toEqual([undefined, 1, 2, 4]);
    runs.dropTo(6);
    expect(runs.at(6)).toBeUndefined();
    runs.push(7, 4);
    expect(runs.at(7)).toBe(4);
  });
});
