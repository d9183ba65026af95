import { afterEach, describe, expect, it } from "vitest";
import { type KvCommand, KvStateMachine } from "./kvStateMachine.js";
import { MemoryNetwork } from "./memoryNetwork.js";
import { RaftNode } from "./raftNode.js";
import { MemoryStorage, type RaftStorage, type StorageUpdate, type StoredState } from "./storage.js";
import type { Snapshot } from "./types.js";

/**
 * A fault-injecting storage: while `hold` is set, durable writes are accepted but not "synced" (their promise
 * does not resolve and they have not reached the durable inner storage), and writes that need no sync wait
 * in the page cache, in order, for a sync that reaches the disk; `crash()` loses every unsynced write.
 */
class FaultyStorage implements RaftStorage {
  readonly inner = new MemoryStorage();
  hold = false;
  #unsynced: { update: StorageUpdate; resolve: () => void; reject: (e: Error) => void }[] = [];
  /** `sync: false` writes not on the disk yet. */
  protected cached: StorageUpdate[] = [];
  load(): StoredState {
    return this.inner.load();
  }
  save(update: StorageUpdate): Promise<void> {
    if (!this.hold) {
      this.inner.save(update);
      return Promise.resolve();
    }
    // A write that need not be synced (commit index only, or a leader's entries before its sync) does not
    // wait for the disk.
    if (update.sync === false) {
      this.cached.push(update);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#unsynced.push({ update, resolve, reject }));
  }
  saveSnapshot(s: Snapshot, compactTo: number): void {
    this.inner.saveSnapshot(s, compactTo);
  }
  get unsynced(): number {
    return this.#unsynced.length + this.cached.length;
  }
  /** Power loss: unsynced writes vanish. */
  crash(): void {
    for (const w of this.#unsynced) w.reject(new Error("power lost"));
    this.#unsynced = [];
    this.cached = [];
    this.hold = false;
  }
}

/** The same with `sync()`, which a leader calls after saving its new entries unsynced: held like a save. */
class SyncingFaultyStorage extends FaultyStorage {
  #syncs: ((e?: Error) => void)[] = [];
  sync(): Promise<void> {
    if (!this.hold) {
      for (const u of this.cached.splice(0)) this.inner.save(u);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#syncs.push((e) => (e ? reject(e) : resolve())));
  }
  get pendingSyncs(): number {
    return this.#syncs.length;
  }
  override crash(): void {
    for (const done of this.#syncs.splice(0)) done(new Error("power lost"));
    super.crash();
  }
}

type KvNode = RaftNode<KvCommand, string | null>;
const live: KvNode[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((n) => n.stop()));
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function start(
  net: MemoryNetwork,
  id: string,
  storage: RaftStorage,
  kv: KvStateMachine,
  members?: string[],
) {
  const node = await RaftNode.create<KvCommand, string | null>({
    id,
    ...(members ? { initialMembers: members } : {}),
    transport: net.transport(id),
    storage,
    stateMachine: kv,
    tickMs: 5,
  });
  live.push(node);
  return node;
}

/** The first node seen leading (polled for up to ~2 s), or undefined. */
async function firstLeader(nodes: Map<string, KvNode>): Promise<KvNode | undefined> {
  for (let i = 0; i < 400; i++) {
    const leader = [...nodes.values()].find((n) => n.role === "leader");
    if (leader) return leader;
    await sleep(5);
  }
  return undefined;
}

/** Whether `storage` has durably stored a write of `key`. */
const stores = (storage: RaftStorage, key: string) =>
  (storage.load() as StoredState).entries.some((e) => new TextDecoder().decode(e.data).includes(`"${key}"`));

/** Three nodes on `storage`s, a leader elected and one write committed; `old` is the leader's id. */
async function warmCluster<S extends FaultyStorage>(storage: () => S) {
  const ids = ["a", "b", "c"];
  const net = new MemoryNetwork();
  const storages = new Map(ids.map((id) => [id, storage()]));
  const nodes = new Map<string, KvNode>();
  const kvs = new Map(ids.map((id) => [id, new KvStateMachine()]));
  for (const id of ids) nodes.set(id, await start(net, id, storages.get(id)!, kvs.get(id)!, ids));
  const leader = await firstLeader(nodes);
  expect(leader).toBeDefined();
  await leader!.propose({ op: "put", key: "warm", value: "up" });
  return { ids, net, storages, nodes, kvs, leader: leader!, old: leader!.id };
}

describe("disk faults", () => {
  it("acknowledges nothing until a quorum has made the entry durable; unsynced writes are lost on crash", async () => {
    const ids = ["a", "b", "c"];
    const net = new MemoryNetwork();
    const storages = new Map(ids.map((id) => [id, new FaultyStorage()]));
    const nodes = new Map<string, KvNode>();
    for (const id of ids) nodes.set(id, await start(net, id, storages.get(id)!, new KvStateMachine(), ids));
    const leader = await firstLeader(nodes);
    expect(leader).toBeDefined();
    await leader!.propose({ op: "put", key: "warm", value: "up" });
    const followers = ids.filter((id) => id !== leader!.id);
    for (const id of followers) storages.get(id)!.hold = true;
    let acked = false;
    let outcome = "pending";
    const p = leader!.propose({ op: "put", key: "x", value: "1" }).then(
      () => {
        acked = true;
        outcome = "applied";
      },
      (e: { code?: string }) => {
        outcome = e.code ?? String(e);
      },
    );
    await sleep(100);
    // Followers received the entry (their writes are pending) but never acknowledged it.
    expect(followers.some((id) => storages.get(id)!.unsynced > 0)).toBe(true);
    expect(acked).toBe(false);
    // Crash both followers before fsync: the entry is lost on them; restart them from what is durable.
    for (const id of followers) {
      storages.get(id)!.crash();
      await nodes.get(id)!.stop();
      expect(
        storages
          .get(id)!
          .load()
          .entries.some((e) => new TextDecoder().decode(e.data).includes('"x"')),
      ).toBe(false);
    }
    const kvs = new Map<string, KvStateMachine>();
    for (const id of followers) {
      const kv = new KvStateMachine();
      kvs.set(id, kv);
      nodes.set(id, await start(net, id, storages.get(id)!, kv));
    }
    await p;
    // Either outcome is correct Raft — the old leader may win again (its log has x) or a follower may win
    // without x, and the old leader may not learn which within its grace period (outcome unknown) — but an
    // acknowledged write must be everywhere and a dropped one nowhere.
    expect(["applied", "RAFT_PROPOSAL_DROPPED", "RAFT_OUTCOME_UNKNOWN"]).toContain(outcome);
    const next = await (async () => {
      for (let i = 0; i < 400; i++) {
        const l = [...nodes.values()].find((n) => n.role === "leader");
        if (l) return l;
        await sleep(5);
      }
      throw new Error("no leader");
    })();
    await next.propose({ op: "put", key: "sync", value: "1" });
    for (let i = 0; i < 200 && followers.some((id) => kvs.get(id)!.get("sync") !== "1"); i++) await sleep(5);
    if (outcome !== "RAFT_OUTCOME_UNKNOWN")
      for (const id of followers) expect(kvs.get(id)!.get("x")).toBe(acked ? "1" : null);
  });

  it("a leader replicates before its own write: if it loses power then, its followers keep the entry", async () => {
    const { ids, net, storages, nodes, kvs, leader, old } = await warmCluster(() => new FaultyStorage());
    const followers = ids.filter((id) => id !== old);
    storages.get(old)!.hold = true;
    const p = leader.propose({ op: "put", key: "x", value: "1" }).catch((e: { code?: string }) => e.code);
    const hasX = (id: string) => stores(storages.get(id)!, "x");
    // The followers store x while the leader's own write of it is still pending.
    for (let i = 0; i < 200 && !followers.every(hasX); i++) await sleep(5);
    expect(followers.every(hasX)).toBe(true);
    expect(storages.get(old)!.unsynced).toBeGreaterThan(0);
    // Power loss on the leader: x is gone from its disk, not from the followers'.
    storages.get(old)!.crash();
    await nodes.get(old)!.stop();
    expect(await p).toBe("RAFT_STOPPED");
    expect(hasX(old)).toBe(false);
    // A new leader (one of the followers) holds x and commits it; the old leader gets it back when it rejoins.
    kvs.set(old, new KvStateMachine());
    nodes.set(old, await start(net, old, storages.get(old)!, kvs.get(old)!));
    for (let i = 0; i < 400 && ids.some((id) => kvs.get(id)!.get("x") !== "1"); i++) await sleep(5);
    for (const id of ids) expect(kvs.get(id)!.get("x")).toBe("1");
  });
});

describe("disk faults with a storage that syncs in the background (RaftStorage.sync)", () => {
  it("a leader commits with its two followers while its own sync is pending, and losing power then loses nothing committed", async () => {
    const { ids, net, storages, nodes, kvs, leader, old } = await warmCluster(
      () => new SyncingFaultyStorage(),
    );
    storages.get(old)!.hold = true;
    const hasKey = (id: string, key: string) => stores(storages.get(id)!, key);
    // Acknowledged (committed and applied) while the leader's own disk has neither write: b and c are the
    // quorum (Raft thesis §10.2.1). A leader that waited for its own write would never answer here.
    expect(await leader.propose({ op: "put", key: "x", value: "1" })).toBeNull();
    expect(await leader.propose({ op: "put", key: "y", value: "2" })).toBeNull();
    expect(storages.get(old)!.pendingSyncs).toBeGreaterThan(0);
    expect(hasKey(old, "x") || hasKey(old, "y")).toBe(false);
    // Power loss on the leader before its sync: both writes are gone from its disk, not from the quorum.
    storages.get(old)!.crash();
    await nodes.get(old)!.stop();
    expect(hasKey(old, "x") || hasKey(old, "y")).toBe(false);
    kvs.set(old, new KvStateMachine());
    nodes.set(old, await start(net, old, storages.get(old)!, kvs.get(old)!));
    const next = await firstLeader(nodes);
    await next!.propose({ op: "put", key: "after", value: "3" });
    const caughtUp = () => ids.every((id) => kvs.get(id)!.get("after") === "3");
    for (let i = 0; i < 400 && !caughtUp(); i++) await sleep(5);
    for (const id of ids) {
      expect([kvs.get(id)!.get("x"), kvs.get(id)!.get("y"), kvs.get(id)!.get("after")]).toEqual([
        "1",
        "2",
        "3",
      ]);
    }
  });
});
