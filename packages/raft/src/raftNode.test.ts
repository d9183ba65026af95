import { afterEach, describe, expect, it } from "vitest";
import { NotLeaderError, RaftErrorCode } from "./errors.js";
import type { KvCommand } from "./kvStateMachine.js";
import { KvStateMachine } from "./kvStateMachine.js";
import { MemoryNetwork } from "./memoryNetwork.js";
import { RaftNode } from "./raftNode.js";
import { MemoryStorage, type RaftStorage, type StorageUpdate } from "./storage.js";
import type { RaftTransport } from "./transport.js";
import { EntryType, type Message } from "./types.js";

type KvNode = RaftNode<KvCommand, string | null>;
const live: KvNode[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((n) => n.stop()));
});

class CountingStorage extends MemoryStorage {
  saves = 0;
  maxEntriesPerSave = 0;
  override save(update: StorageUpdate): void {
    this.saves++;
    this.maxEntriesPerSave = Math.max(this.maxEntriesPerSave, update.entries.length);
    super.save(update);
  }
}

async function cluster(ids: string[], extra: Partial<Parameters<typeof RaftNode.create>[0]> = {}) {
  const net = new MemoryNetwork();
  const kvs = new Map<string, KvStateMachine>();
  const storages = new Map<string, RaftStorage>();
  const nodes = new Map<string, KvNode>();
  for (const id of ids) {
    const kv = new KvStateMachine();
    const storage = new CountingStorage();
    kvs.set(id, kv);
    storages.set(id, storage);
    const node = await RaftNode.create<KvCommand, string | null>({
      id,
      initialMembers: ids,
      transport: net.transport(id),
      storage,
      stateMachine: kv,
      tickMs: 5,
      seed: ids.indexOf(id) + 1,
      ...(extra as object),
    });
    nodes.set(id, node);
    live.push(node);
  }
  return { net, kvs, storages, nodes };
}

async function leaderOf(nodes: Map<string, KvNode>): Promise<KvNode> {
  for (let i = 0; i < 400; i++) {
    const l = [...nodes.values()].find((n) => n.role === "leader");
    if (l) return l;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("no leader elected");
}

describe("RaftNode", () => {
  it("elects a leader, replicates writes and serves linearizable reads", async () => {
    const { nodes, kvs } = await cluster(["a", "b", "c"]);
    const leader = await leaderOf(nodes);
    expect(await leader.propose({ op: "put", key: "x", value: "1" })).toBeNull();
    expect(await leader.propose({ op: "put", key: "x", value: "2" })).toBe("1");
    const kv = kvs.get(leader.id)!;
    expect(await leader.read(() => kv.get("x"))).toBe("2");
  });

  it("rejects writes on a follower with the leader hint", async () => {
    const { nodes } = await cluster(["a", "b", "c"]);
    const leader = await leaderOf(nodes);
    await leader.propose({ op: "put", key: "k", value: "v" });
    const follower = [...nodes.values()].find((n) => n !== leader)!;
    const err = await follower.propose({ op: "put", key: "x", value: "1" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).code).toBe(RaftErrorCode.NotLeader);
    expect((err as NotLeaderError).leaderHint).toBe(leader.id);
  });

  it("batches concurrent proposals into few durable writes (group commit)", async () => {
    const { nodes, storages } = await cluster(["a", "b", "c"]);
    const leader = await leaderOf(nodes);
    const storage = storages.get(leader.id) as CountingStorage;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => leader.propose({ op: "put", key: `k${i}`, value: "v" })),
    );
    expect(results).toHaveLength(100);
    expect(storage.maxEntriesPerSave).toBeGreaterThanOrEqual(50);
  });

  it("hands a lone proposal to an idle leader's log at once, and batches the ones after it in that turn", async () => {
    const { nodes, storages } = await cluster(["a", "b", "c"]);
    const leader = await leaderOf(nodes);
    await leader.propose({ op: "put", key: "warm", value: "v" });
    // A turn later the leader's loop has finished that write: it is idle.
    await new Promise((resolve) => setImmediate(resolve));
    const storage = storages.get(leader.id) as CountingStorage;
    const saves = storage.saves;
    const first = leader.propose({ op: "put", key: "x", value: "1" });
    // Written before propose() returned: no event-loop turn in between.
    expect(storage.saves).toBe(saves + 1);
    const rest = [
      leader.propose({ op: "put", key: "x", value: "2" }),
      leader.propose({ op: "put", key: "x", value: "3" }),
    ];
    expect(storage.saves).toBe(saves + 1);
    // In order: each sees the value the one before it wrote.
    expect(await first).toBeNull();
    expect(await Promise.all(rest)).toEqual(["1", "2"]);
    expect(storage.maxEntriesPerSave).toBeGreaterThanOrEqual(2);
  });

  describe("a burst of appends delivered in one run", () => {
    // After the bootstrap entry every founder holds (index 1), the leader of term 2 appends two commands in
    // two messages, as one socket read delivers them, and says the first is committed.
    const put = (key: string) => new TextEncoder().encode(JSON.stringify({ op: "put", key, value: key }));
    const append = (index: number, commit: number): Message => ({
      type: "app",
      from: "a",
      to: "b",
      term: 2,
      index: index - 1,
      logTerm: index === 2 ? 1 : 2,
      entries: [{ index, term: 2, type: EntryType.Normal, data: put(`k${index}`) }],
      commit,
    });

    /** A follower "b" behind a transport whose every delivery this test makes, in one callback. */
    async function follower() {
      let handler: (m: Message) => void = () => {};
      let delivered: (() => void) | undefined;
      const sent: Message[] = [];
      const transport: RaftTransport = {
        listen: (h, d) => {
          handler = h;
          delivered = d;
        },
        send: (messages) => {
          sent.push(...messages);
        },
        close: () => {},
      };
      const kv = new KvStateMachine();
      const storage = new CountingStorage();
      const node = await RaftNode.create<KvCommand, string | null>({
        id: "b",
        initialMembers: ["a", "b", "c"],
        transport,
        storage,
        stateMachine: kv,
        tickMs: 1000,
      });
      live.push(node);
      const saves = storage.saves;
      /** Delivers `messages` in one macrotask; how many messages were sent by its end and by its first microtask. */
      const deliver = (messages: Message[], reportEnd: boolean) =>
        new Promise<{ inCall: number; atMicrotask: number }>((resolve) =>
          setImmediate(() => {
            for (const m of messages) handler(m);
            if (reportEnd) delivered?.();
            const inCall = sent.length;
            queueMicrotask(() => resolve({ inCall, atMicrotask: sent.length }));
          }),
        );
      return { kv, sent, deliver, newSaves: () => storage.saves - saves, storage };
    }

    it.each([
      { when: "within the call when the transport reports the run's end", reportEnd: true, inCall: 2 },
      {
        when: "on the next tick, before any promise continuation, when it does not",
        reportEnd: false,
        inCall: 0,
      },
    ])("is one durable write, acknowledged $when", async ({ reportEnd, inCall }) => {
      const b = await follower();
      expect(await b.deliver([append(2, 1), append(3, 2)], reportEnd)).toEqual({ inCall, atMicrotask: 2 });
      expect(b.newSaves()).toBe(1);
      expect(b.storage.maxEntriesPerSave).toBe(2);
      expect(b.sent.at(-1)).toMatchObject({ type: "appResp", to: "a", index: 3 });
      expect(b.kv.get("k2")).toBe("k2");
      expect(b.kv.get("k3")).toBeNull();
    });
  });

  it("never applies inside the caller's propose(), even on a single node that commits within its own write", async () => {
    let inside = false;
    const appliedInside: number[] = [];
    const stateMachine = {
      apply: (_command: unknown, index: number) => {
        if (inside) appliedInside.push(index);
        return index;
      },
      snapshot: () => new Uint8Array(),
      restore: () => {},
    };
    const node = await RaftNode.create({
      id: "a",
      initialMembers: ["a"],
      transport: new MemoryNetwork().transport("a"),
      storage: new MemoryStorage(),
      stateMachine,
      tickMs: 5,
    });
    live.push(node as unknown as KvNode);
    for (let i = 0; i < 200 && node.role !== "leader"; i++) await new Promise((r) => setTimeout(r, 5));
    expect(node.role).toBe("leader");
    await node.read();
    inside = true;
    const results = [node.propose("x"), node.propose("y")];
    const read = node.read();
    inside = false;
    expect(await Promise.all(results)).toHaveLength(2);
    await read;
    expect(appliedInside).toEqual([]);
  });

  it("emits role and leader events and transfers leadership", async () => {
    const { nodes } = await cluster(["a", "b", "c"]);
    const leader = await leaderOf(nodes);
    await leader.propose({ op: "put", key: "x", value: "1" });
    const target = [...nodes.values()].find((n) => n !== leader)!;
    const roles: string[] = [];
    target.on("role", (r) => roles.push(r));
    await leader.transferLeadership(target.id);
    expect(roles).toContain("leader");
    expect(target.role).toBe("leader");
    expect(await target.propose({ op: "put", key: "y", value: "2" })).toBeNull();
  });

  it("adds a learner-first voter and removes a member", async () => {
    const { nodes, net } = await cluster(["a", "b", "c"]);
    const leader = await leaderOf(nodes);
    for (let i = 0; i < 20; i++) await leader.propose({ op: "put", key: `k${i}`, value: "v" });
    const kv = new KvStateMachine();
    const d = await RaftNode.create<KvCommand, string | null>({
      id: "d",
      transport: net.transport("d"),
      storage: new MemoryStorage(),
      stateMachine: kv,
      tickMs: 5,
    });
    live.push(d);
    const seen: string[][] = [];
    leader.on("membership", (c) => seen.push(c.voters));
    await leader.addVoter("d");
    expect(leader.membership.voters).toEqual(["a", "b", "c", "d"]);
    expect(kv.size).toBe(20);
    await leader.removeMember("d");
    expect(leader.membership.voters).toEqual(["a", "b", "c"]);
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });

  it("survives a leader crash: acknowledged writes stay, a new leader takes over", async () => {
    const { nodes, net } = await cluster(["a", "b", "c"]);
    const leader = await leaderOf(nodes);
    for (let i = 0; i < 10; i++) await leader.propose({ op: "put", key: `k${i}`, value: `${i}` });
    net.isolate(leader.id);
    await leader.stop();
    nodes.delete(leader.id);
    const next = await leaderOf(nodes);
    expect(next.id).not.toBe(leader.id);
    await next.propose({ op: "put", key: "after", value: "1" });
    const got = await next.read(() => 10);
    expect(got).toBe(10);
  });

  it("snapshots, compacts and restores a restarted node from storage", async () => {
    const { nodes, kvs, storages, net } = await cluster(["a", "b", "c"], {
      snapshotEntries: 10,
      snapshotKeep: 2,
    });
    const leader = await leaderOf(nodes);
    for (let i = 0; i < 30; i++) await leader.propose({ op: "put", key: `k${i}`, value: `${i}` });
    const victim = [...nodes.values()].find((n) => n !== leader)!;
    await victim.stop();
    const kv = new KvStateMachine();
    const restarted = await RaftNode.create<KvCommand, string | null>({
      id: victim.id,
      transport: net.transport(victim.id),
      storage: storages.get(victim.id)!,
      stateMachine: kv,
      tickMs: 5,
      snapshotEntries: 10,
    });
    live.push(restarted);
    await leader.propose({ op: "put", key: "last", value: "x" });
    for (let i = 0; i < 200 && kv.get("last") !== "x"; i++) await new Promise((r) => setTimeout(r, 5));
    expect(kv.get("k29")).toBe("29");
    expect(kv.get("last")).toBe("x");
    void kvs;
  });

  it("stays correct over a lossy, duplicating, reordering network with a partition", async () => {
    const net = new MemoryNetwork({ seed: 7, dropRate: 0.1, duplicateRate: 0.1, maxDelayMs: 5 });
    const ids = ["a", "b", "c"];
    const kvs = new Map(ids.map((id) => [id, new KvStateMachine()]));
    const nodes = new Map<string, KvNode>();
    for (const id of ids) {
      const node = await RaftNode.create<KvCommand, string | null>({
        id,
        initialMembers: ids,
        transport: net.transport(id),
        storage: new MemoryStorage(),
        stateMachine: kvs.get(id)!,
        tickMs: 5,
      });
      nodes.set(id, node);
      live.push(node);
    }
    const acked: string[] = [];
    for (let i = 0; i < 30; i++) {
      if (i === 10)
        net.partition(
          [(await leaderOf(nodes)).id],
          ids.filter((x) => x !== [...nodes.values()].find((n) => n.role === "leader")?.id),
        );
      if (i === 20) net.heal();
      const leader = await leaderOf(nodes);
      const ok = await Promise.race([
        leader.propose({ op: "put", key: `k${i}`, value: "v" }).then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((r) => setTimeout(() => r(false), 300)),
      ]);
      if (ok) acked.push(`k${i}`);
    }
    net.heal();
    const leader = await leaderOf(nodes);
    await leader.propose({ op: "put", key: "final", value: "v" });
    const kv = kvs.get(leader.id)!;
    const missing = await leader.read(() => acked.filter((k) => kv.get(k) === null));
    expect(acked.length).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });

  it("settles a deposed leader's pending proposals on a quiet cluster", async () => {
    const { nodes, net, kvs } = await cluster(["a", "b", "c"]);
    const old = await leaderOf(nodes);
    await old.propose({ op: "put", key: "k", value: "0" });
    net.isolate(old.id);
    // Two entries the others never see: the next leader's empty entry takes the first index, and on a quiet
    // cluster nothing is ever committed at the second.
    const first = old.propose({ op: "put", key: "x", value: "1" }).then(
      () => "applied",
      (e: { code?: string }) => e.code,
    );
    const second = old.propose({ op: "put", key: "y", value: "1" }).then(
      () => "applied",
      (e: { code?: string }) => e.code,
    );
    const others = new Map([...nodes].filter(([id]) => id !== old.id));
    const next = await leaderOf(others);
    net.heal();
    // Only a guard against a hang (the bug), not a timing assertion: the settling takes ~2 election timeouts.
    let guard: NodeJS.Timeout | undefined;
    const hung = new Promise<string>((r) => {
      guard = setTimeout(() => r("still pending after 8 s"), 8_000);
    });
    const outcomes = await Promise.race([Promise.all([first, second]), hung.then((h) => [h, h])]);
    clearTimeout(guard);
    // x is dropped when the old leader heard of the new leader's commit at its index before its grace period
    // ran out, unknown otherwise; y's fate can never be learnt.
    expect([RaftErrorCode.Dropped, RaftErrorCode.OutcomeUnknown]).toContain(outcomes[0]);
    expect(outcomes[1]).toBe(RaftErrorCode.OutcomeUnknown);
    const kv = kvs.get(next.id)!;
    expect(await next.read(() => [kv.get("x"), kv.get("y")])).toEqual([null, null]);
  });

  it("gives up on a proposal when the caller's signal aborts", async () => {
    const { nodes, net } = await cluster(["a", "b", "c"], { checkQuorum: false });
    const leader = await leaderOf(nodes);
    await leader.propose({ op: "put", key: "k", value: "0" });
    net.isolate(leader.id);
    // Without check-quorum the cut-off leader keeps its role: only the caller's deadline settles the write.
    const controller = new AbortController();
    const pending = leader.propose({ op: "put", key: "x", value: "1" }, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 50));
    controller.abort(new Error("deadline"));
    await expect(pending).rejects.toMatchObject({ code: RaftErrorCode.OutcomeUnknown });
    const aborted = AbortSignal.abort();
    await expect(
      leader.propose({ op: "put", key: "z", value: "1" }, { signal: aborted }),
    ).rejects.toMatchObject({
      code: RaftErrorCode.Dropped,
    });
  });

  it("rejects pending work on stop", async () => {
    const { nodes } = await cluster(["a", "b", "c"]);
    const leader = await leaderOf(nodes);
    const p = leader.propose({ op: "put", key: "x", value: "1" });
    // Handled before the stop rejects it: stop() itself takes turns of the event loop.
    const rejected = expect(p).rejects.toMatchObject({ code: RaftErrorCode.Stopped });
    await leader.stop();
    await rejected;
  });
});
