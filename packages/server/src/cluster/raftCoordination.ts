import { type Clock, monotonicNow } from "../clock.js";
import type { Coordination, LeaseRenewer } from "./engine.js";
import { withTimeout } from "./logErrors.js";
import type { RaftLog } from "./raftLog.js";
import type { Renewals } from "./renewals.js";
import type { RpcClient } from "./rpcClient.js";
import type { ClusterTiming } from "./timing.js";

/** What the Raft engine's {@link LeaseRenewer} and {@link Coordination} work with. */
export interface RaftCoordinationDeps {
  nodeId: string;
  log: RaftLog;
  clock: Clock;
  rpc: RpcClient;
  timing: ClusterTiming;
  /** The leader's book of renewals: a leader renews with itself. */
  renewals: Renewals;
}

/**
 * Leases on Raft: a node renews with the leader (the leader with itself), which confirms it still leads
 * with a ReadIndex round and answers its applied index; the renewal counts once this node applied it.
 */
export function raftLeaseRenewer(deps: RaftCoordinationDeps): LeaseRenewer {
  const { nodeId, log, clock, rpc, timing, renewals } = deps;
  return {
    async renew(sentAt, signal) {
      if (log.raft.role === "leader") {
        await withTimeout(log.raft.read(), timing.leaseMs, clock);
        renewals.record(nodeId, sentAt);
        return;
      }
      const leader = log.leaderTarget();
      if (leader === undefined) throw new Error("no leader known");
      const index = await rpc.renewLease(leader, nodeId, timing.leaseMs, signal);
      await log.waitApplied(index, Math.max(0, sentAt + timing.leaseMs - monotonicNow(clock)));
    },
    onCoordinatorChange(listener) {
      log.raft.on("leader", (leader) => {
        if (leader !== null) listener();
      });
    },
  };
}

/** Balancing on Raft: the leader balances among the voters, live by the renewals it received. */
export function raftCoordination(deps: RaftCoordinationDeps): Coordination {
  const { log, renewals } = deps;
  return {
    isCoordinator: async () => log.raft.role === "leader",
    now: () => renewals.now(),
    nodes: () => log.raft.membership.voters,
    isLive: (node, now) => renewals.isLive(node, now),
    isStable: (node, now) => renewals.isStable(node, now),
  };
}
