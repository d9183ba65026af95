import { AmstaffError } from "@amstaff/core";

/**
 * The timing of ownership leases and of Raft elections. The safety argument needs
 * `leaseMs < reassignAfterMs` with margin for clock-rate drift and process stalls between nodes, and
 * `electionTimeoutMs < leaseMs`: see {@link Cluster}. Failover takes about `reassignAfterMs` after a
 * follower dies, and `reassignAfterMs` plus up to `electionTimeoutMs` after the leader dies.
 */
export interface ClusterTiming {
  /** How often a node renews its lease with the leader (and at once when a new leader is known). @default 100 */
  renewEveryMs: number;
  /**
   * How long a renewal lets a node run its modules, counted from when it *sent* the renewal. Must outlast
   * an election (up to twice `electionTimeoutMs`) plus a renewal, so that owners keep sampling while the
   * cluster elects a new leader. @default 800
   */
  leaseMs: number;
  /**
   * The leader moves a node's modules after hearing no renewal from it for this long; the difference with
   * `leaseMs` is the margin for clock drift and stalls. @default 1000
   */
  reassignAfterMs: number;
  /** A node must have renewed continuously this long before modules are moved to it to rebalance. @default 3000 */
  stableMs: number;
  /** How often the leader checks ownership. @default 100 */
  balanceEveryMs: number;
  /**
   * Raft's minimum election timeout (the timeout is randomized in [t, 2t)); heartbeats go every 50 ms.
   * A node that heard from the leader votes for no one else for this long, which bounds the leases an
   * old leader can have granted. Rounded to whole 50 ms ticks. @default 250
   */
  electionTimeoutMs: number;
}

/** The default {@link ClusterTiming}. */
export const defaultClusterTiming: ClusterTiming = {
  renewEveryMs: 100,
  leaseMs: 800,
  reassignAfterMs: 1_000,
  stableMs: 3_000,
  balanceEveryMs: 100,
  electionTimeoutMs: 250,
};

/** Milliseconds per Raft tick: heartbeats go every tick, and election timeouts are whole ticks. */
export const raftTickMs = 50;

/** The Raft election timeout, in ticks, of a {@link ClusterTiming}. */
export function electionTicksOf(timing: Partial<ClusterTiming> | undefined): number {
  const ms = timing?.electionTimeoutMs ?? defaultClusterTiming.electionTimeoutMs;
  return Math.max(2, Math.round(ms / raftTickMs));
}

/**
 * The defaults overridden by `timing`, checked against the safety argument.
 *
 * @throws AmstaffError `AMS_ERR_REQUEST_INVALID` when the lease could outlive a reassignment or an
 * election could outlive the lease.
 */
export function resolveClusterTiming(timing: Partial<ClusterTiming> | undefined): ClusterTiming {
  const resolved = { ...defaultClusterTiming, ...timing };
  if (resolved.leaseMs >= resolved.reassignAfterMs) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      "The lease must be shorter than the reassignment delay, or two nodes could run a module at once.",
    );
  }
  if (resolved.electionTimeoutMs >= resolved.leaseMs) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      "The election timeout must be shorter than the lease, or owners would stop at every election.",
    );
  }
  return resolved;
}
