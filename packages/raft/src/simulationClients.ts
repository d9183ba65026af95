import type { KvOperation } from "./linearizability.js";
import type { ProposalTracker, SettledProposal } from "./proposalTracker.js";
import type { RaftCore } from "./raft.js";
import type { Rng } from "./rng.js";
import { encodeKvCommand } from "./simulationKv.js";
import type { SimulationResult } from "./simulationOptions.js";
import type { NodeId } from "./types.js";

/** A client's operation in flight: a put through the log, or a get through a ReadIndex round. */
export interface ClientOp {
  client: number;
  record: KvOperation;
  node: NodeId;
  index?: number;
  term?: number;
  context?: number;
  deadline: number;
}

/** A node as the clients reach it: its core (null while down) and the tracker of its pending writes. */
export interface ClientTarget {
  id: NodeId;
  core: RaftCore | null;
  proposals: ProposalTracker<ClientOp>;
}

/** What the clients count for the run's {@link SimulationResult}. */
export type ClientCounts = Pick<SimulationResult, "operations" | "acknowledgedWrites" | "reads" | "settled">;

/**
 * The simulation's clients: five of them, each with at most one operation outstanding against whichever
 * node it believes leads (stale minority leaders included), and the history of what they were told, for
 * the linearizability check. An operation whose node crashed or that ran past its deadline is abandoned:
 * a put then may or may not have taken effect (it stays in the history, never returned).
 */
export class SimulationClients {
  /** Every operation that returned or was abandoned, as the linearizability checker reads it. */
  readonly history: KvOperation[] = [];
  readonly counts: ClientCounts = {
    operations: 0,
    acknowledgedWrites: 0,
    reads: 0,
    settled: { applied: 0, appliedResultUnknown: 0, dropped: 0, unknown: 0 },
  };
  readonly #rng: Rng;
  readonly #ops: (ClientOp | null)[] = [null, null, null, null, null];
  #leaderHint: NodeId | null = null;
  #nextValue = 0;
  #nextContext = 0;

  constructor(rng: Rng) {
    this.#rng = rng;
  }

  /** Whether an operation is outstanding. */
  get busy(): boolean {
    return this.#ops.some((c) => c !== null);
  }

  /**
   * At virtual time `now`: abandons operations past their deadline and, before `startUntil`, lets idle
   * clients start new ones against `nodes`; `submitted` is called with each node an operation reached.
   */
  run<T extends ClientTarget>(
    now: number,
    startUntil: number,
    nodes: ReadonlyMap<NodeId, T>,
    submitted: (node: T) => void,
  ): void {
    const r = this.#rng;
    for (let c = 0; c < this.#ops.length; c++) {
      const op = this.#ops[c];
      if (op) {
        if (now > op.deadline) this.#abandon(c);
        continue;
      }
      if (now >= startUntil || !r.chance(0.03)) continue;
      const ids = [...nodes.keys()];
      // Clients also talk to any node that believes it leads, stale minority leaders included.
      const leaders = ids.filter((id) => nodes.get(id)!.core?.role === "leader");
      const target =
        leaders.length > 0 && r.chance(0.5)
          ? r.pick(leaders)
          : this.#leaderHint && r.chance(0.8)
            ? this.#leaderHint
            : r.pick(ids);
      const node = nodes.get(target)!;
      const core = node.core;
      if (core?.role !== "leader") {
        this.#leaderHint = core?.leader ?? null;
        continue;
      }
      const key = `k${r.int(0, 3)}`;
      this.counts.operations++;
      if (r.chance(0.5)) {
        const value = `v${++this.#nextValue}`;
        const res = core.propose([encodeKvCommand({ op: "put", key, value })]);
        if ("refused" in res) continue;
        const op: ClientOp = {
          client: c,
          node: target,
          index: res.first,
          term: res.term,
          deadline: now + 3000,
          record: { client: c, kind: "put", key, value, calledAt: now, returnedAt: 0 },
        };
        this.#ops[c] = op;
        node.proposals.track(res.first, res.term, op);
      } else {
        const context = ++this.#nextContext;
        if (!core.readIndex(context)) continue;
        this.#ops[c] = {
          client: c,
          node: target,
          context,
          deadline: now + 3000,
          record: { client: c, kind: "get", key, value: null, calledAt: now, returnedAt: 0 },
        };
      }
      submitted(node);
    }
  }

  /**
   * A write settled (already checked against the committed log). A dropped write is left out of the
   * history altogether — a claim that it never took effect, which the linearizability checker refutes if
   * any read ever sees it.
   */
  writeSettled(s: SettledProposal<ClientOp>, now: number): void {
    const op = s.token;
    if (this.#ops[op.client] !== op) return;
    this.#ops[op.client] = null;
    if (s.outcome === "applied" || s.outcome === "appliedResultUnknown") {
      this.history.push({ ...op.record, returnedAt: now });
      this.counts.acknowledgedWrites++;
    } else if (s.outcome === "unknown") {
      this.history.push({ ...op.record, returnedAt: Infinity });
    }
    this.counts.settled[s.outcome]++;
  }

  /** Node `id` answers the get of ReadIndex round `context` from its state `kv`. */
  readAnswered(id: NodeId, context: number, kv: ReadonlyMap<string, string>, now: number): void {
    for (let c = 0; c < this.#ops.length; c++) {
      const op = this.#ops[c];
      if (!op || op.node !== id || op.context !== context) continue;
      this.#ops[c] = null;
      this.history.push({ ...op.record, value: kv.get(op.record.key) ?? null, returnedAt: now });
      this.counts.reads++;
    }
  }

  /** Node `id` stopped leading: its ReadIndex rounds never complete, so the gets sent to it fail. */
  leadershipLost(id: NodeId): void {
    for (let c = 0; c < this.#ops.length; c++) {
      const op = this.#ops[c];
      if (op && op.node === id && op.record.kind === "get") this.#ops[c] = null;
    }
  }

  /** Node `id` crashed: its clients give up on their operations. */
  nodeCrashed(id: NodeId): void {
    for (let c = 0; c < this.#ops.length; c++) {
      const op = this.#ops[c];
      if (op && op.node === id) this.#abandon(c);
    }
  }

  /** The run ended: every outstanding operation is abandoned. */
  abandonAll(): void {
    for (let c = 0; c < this.#ops.length; c++) if (this.#ops[c]) this.#abandon(c);
  }

  #abandon(c: number): void {
    const op = this.#ops[c]!;
    this.#ops[c] = null;
    if (op.record.kind === "put") this.history.push({ ...op.record, returnedAt: Infinity });
  }
}
