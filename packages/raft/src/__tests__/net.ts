import { ProposalTracker, type SettledProposal } from "../proposalTracker.js";
import { RaftCore, type RaftCoreOptions } from "../raft.js";
import { MemoryStorage, readyUpdate } from "../storage.js";
import type { Message, NodeId, ReadState } from "../types.js";

/** A tiny synchronous network in the spirit of etcd's interaction tests: deliver until quiet. */
export class Net {
  reads = new Map<NodeId, ReadState[]>();
  nodes = new Map<NodeId, RaftCore>();
  storages = new Map<NodeId, MemoryStorage>();
  cut = new Set<string>();
  applied = new Map<NodeId, string[]>();
  /** Each node's pending proposals (token: the proposed data), settled from its Readys and ticks. */
  trackers = new Map<NodeId, ProposalTracker<string>>();
  /** Settled proposals per node, in the order they settled. */
  outcomes = new Map<NodeId, SettledProposal<string>[]>();
  readonly #graceTicks: number;
  /** Whether cores read entries and snapshots back from their storage (see `RaftCoreState.storage`). */
  readonly #readBack: boolean;
  constructor(ids: NodeId[], opts: Partial<RaftCoreOptions> = {}, voters = ids, readBack = false) {
    this.#readBack = readBack;
    this.#graceTicks = opts.electionTick ?? 10;
    for (const id of ids) {
      this.trackers.set(id, new ProposalTracker({ graceTicks: this.#graceTicks }));
      this.outcomes.set(id, []);
      this.storages.set(id, new MemoryStorage());
      this.applied.set(id, []);
      const initialConf = voters.includes(id) ? { voters, learners: [] } : undefined;
      this.nodes.set(
        id,
        new RaftCore({ id, ...opts }, { ...(initialConf ? { initialConf } : {}), ...this.#reads(id) }),
      );
    }
    this.settle();
  }
  #reads(id: NodeId): { storage?: MemoryStorage } {
    return this.#readBack ? { storage: this.storages.get(id)! } : {};
  }
  isolate(id: NodeId): void {
    for (const other of this.nodes.keys())
      if (other !== id) this.cut.add(`${id}>${other}`).add(`${other}>${id}`);
  }
  heal(): void {
    this.cut.clear();
  }
  restart(id: NodeId, opts: Partial<RaftCoreOptions> = {}): void {
    this.nodes.set(
      id,
      new RaftCore({ id, ...opts }, { ...this.storages.get(id)!.load(), ...this.#reads(id) }),
    );
    this.applied.set(id, []);
    // A restarted process has lost its callers: nothing is pending any more.
    this.trackers.set(id, new ProposalTracker({ graceTicks: this.#graceTicks }));
  }
  /** Drains every node's Ready and delivers messages until nothing moves. */
  settle(): Message[] {
    const seen: Message[] = [];
    for (let round = 0; round < 1000; round++) {
      const queue: Message[] = [];
      for (const [id, core] of this.nodes) {
        while (core.hasReady()) {
          const rd = core.ready();
          queue.push(...rd.earlyMessages);
          this.storages.get(id)!.save(readyUpdate(rd));
          core.advance(rd);
          queue.push(...rd.messages);
          if (rd.readStates.length) this.reads.set(id, [...(this.reads.get(id) ?? []), ...rd.readStates]);
          const tracker = this.trackers.get(id)!;
          const settled = this.outcomes.get(id)!;
          settled.push(...tracker.observe(rd));
          for (const e of rd.committedEntries) {
            if (e.type === 0 && e.data.length) this.applied.get(id)!.push(new TextDecoder().decode(e.data));
            const s = tracker.committed(e);
            if (s) settled.push(s);
          }
        }
      }
      if (queue.length === 0) return seen;
      for (const m of queue) {
        seen.push(m);
        if (this.cut.has(`${m.from}>${m.to}`)) continue;
        this.nodes.get(m.to)?.step(m);
      }
    }
    throw new Error("network did not settle");
  }
  tick(id: NodeId, n: number): void {
    for (let i = 0; i < n; i++) {
      this.tickOne(id);
      this.settle();
    }
  }
  /** Ticks one node's core and its proposal tracker, without delivering. */
  tickOne(id: NodeId): void {
    this.nodes.get(id)!.tick();
    this.outcomes.get(id)!.push(...this.trackers.get(id)!.tick());
  }
  tickAll(n: number): Message[] {
    const seen: Message[] = [];
    for (let i = 0; i < n; i++) {
      for (const id of this.nodes.keys()) this.tickOne(id);
      seen.push(...this.settle());
    }
    return seen;
  }
  get(id: NodeId): RaftCore {
    return this.nodes.get(id)!;
  }
  leaders(): NodeId[] {
    return [...this.nodes].filter(([, c]) => c.role === "leader").map(([id]) => id);
  }
}
