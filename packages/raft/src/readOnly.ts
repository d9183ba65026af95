import type { NodeId, ReadState } from "./types.js";

/** A ReadIndex round waiting for a quorum of heartbeat acknowledgements. */
interface PendingRead {
  context: number;
  /** The commit index when the round started: the read may be served once it is applied. */
  index: number;
  acks: Set<NodeId>;
}

/**
 * The leader's ReadIndex bookkeeping (etcd-io/raft's `readOnly`): reads that wait for the first commit of
 * the term, and rounds that wait for a quorum to confirm leadership through heartbeats.
 */
export class ReadOnly {
  #pending: PendingRead[] = [];
  #waiting: number[] = [];

  /** Drops every read (leadership changed: their clients retry elsewhere). */
  reset(): void {
    this.#pending = [];
    this.#waiting = [];
  }

  /** Parks a read until the leader commits an entry of its term (only then is its commit index known). */
  wait(context: number): void {
    this.#waiting.push(context);
  }
  /** Hands out the parked reads, oldest first, and forgets them. */
  takeWaiting(): number[] {
    const waiting = this.#waiting;
    this.#waiting = [];
    return waiting;
  }

  /** Starts a round for `context` at commit index `index`, acknowledged by the leader `self` itself. */
  add(context: number, index: number, self: NodeId): void {
    this.#pending.push({ context, index, acks: new Set([self]) });
  }
  /** The context of the newest round, which heartbeats carry (undefined when none is pending). */
  lastPendingContext(): number | undefined {
    return this.#pending.at(-1)?.context;
  }

  /**
   * Records that `from` acknowledged the round `context`. Once voters (per `isVoter`) reaching `quorum`
   * did, returns the read states of that round and of every earlier one (confirming a later round confirms
   * them too); otherwise returns none.
   */
  recvAck(from: NodeId, context: number, isVoter: (id: NodeId) => boolean, quorum: number): ReadState[] {
    const pos = this.#pending.findIndex((r) => r.context === context);
    if (pos < 0) return [];
    const read = this.#pending[pos]!;
    read.acks.add(from);
    let acked = 0;
    for (const id of read.acks) if (isVoter(id)) acked++;
    if (acked < quorum) return [];
    return this.#pending.splice(0, pos + 1).map((r) => ({ index: r.index, context: r.context }));
  }
}
