import type { NodeId } from "@amstaff/raft";
import { type Clock, monotonicNow } from "../clock.js";
import { withTimeout } from "./logErrors.js";
import type { RaftLog } from "./raftLog.js";
import { type ClusterTiming, electionTicksOf, raftTickMs } from "./timing.js";

/** A node's health as the leader sees it: `unknown` on a follower, or before anything can be said. */
export type NodeHealth = "up" | "down" | "unknown";

/**
 * The leader's side of leases: when each node last renewed, reset at every election. A node is live
 * while its last renewal is less than `reassignAfterMs` old; one that is not may have its modules moved.
 * A new leader counts every node as having renewed `electionTimeoutMs` before its election (see the
 * argument on `Cluster`). Times are monotonic, on the injected clock.
 */
export class Renewals {
  readonly #log: RaftLog;
  readonly #clock: Clock;
  readonly #timing: ClusterTiming;
  #leaderSince = 0;
  /** Every lease granted before this node's election was sent before this. */
  #inheritedRenewal = 0;
  readonly #lastRenewal = new Map<NodeId, number>();
  readonly #liveSince = new Map<NodeId, number>();

  constructor(log: RaftLog, clock: Clock, timing: ClusterTiming) {
    this.#log = log;
    this.#clock = clock;
    this.#timing = timing;
    log.raft.on("role", (role) => {
      if (role !== "leader") return;
      this.#leaderSince = monotonicNow(clock);
      // The raft node reports its election after it happened: counting back from now stays safe.
      this.#inheritedRenewal = this.#leaderSince - electionTicksOf(timing) * raftTickMs;
      this.#lastRenewal.clear();
      this.#liveSince.clear();
    });
  }

  /** The monotonic time now, on the clock renewals are measured with. */
  now(): number {
    return monotonicNow(this.#clock);
  }

  /**
   * Serves a node's renewal as leader: confirms leadership with a ReadIndex round (Raft dissertation
   * §6.4) and records the renewal as received when the request arrived; resolves with the applied index
   * the node must reach before its lease counts.
   */
  async grant(node: NodeId): Promise<number> {
    const receivedAt = this.now();
    await withTimeout(this.#log.raft.read(), this.#timing.leaseMs, this.#clock);
    this.record(node, receivedAt);
    return this.#log.raft.appliedIndex;
  }

  /** Records that `node` renewed at `at` (monotonic). */
  record(node: NodeId, at: number): void {
    if (!this.isLive(node, at)) this.#liveSince.set(node, at);
    this.#lastRenewal.set(node, at);
  }

  /** Whether `node` renewed recently enough that it may still hold a lease. */
  isLive(node: NodeId, now: number): boolean {
    const last = Math.max(this.#lastRenewal.get(node) ?? this.#inheritedRenewal, this.#inheritedRenewal);
    return now - last < this.#timing.reassignAfterMs;
  }

  /** Whether `node` has renewed without a gap for `stableMs` (or since this node leads). */
  isStable(node: NodeId, now: number): boolean {
    return now - (this.#liveSince.get(node) ?? this.#leaderSince) >= this.#timing.stableMs;
  }

  /** Whether `node` renewed its lease lately (known only on the leader). */
  health(node: NodeId, now: number): NodeHealth {
    if (this.#log.raft.role !== "leader") return "unknown";
    const last = this.#lastRenewal.get(node);
    if (last === undefined)
      return now - this.#inheritedRenewal < this.#timing.reassignAfterMs ? "unknown" : "down";
    return now - last < this.#timing.reassignAfterMs ? "up" : "down";
  }

  /** How long ago `node` last renewed, on the leader; null elsewhere or when it has not. */
  msSinceRenewal(node: NodeId, now: number): number | null {
    const last = this.#lastRenewal.get(node);
    return this.#log.raft.role === "leader" && last !== undefined ? now - last : null;
  }
}
