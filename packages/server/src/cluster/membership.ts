import { AmstaffError, describeError } from "@amstaff/core";
import { z } from "zod";
import type { Clock } from "../clock.js";
import type { StateMachine } from "../state/stateMachine.js";
import { Announcer } from "./announcer.js";
import type { RaftLog } from "./raftLog.js";
import type { Renewals } from "./renewals.js";
import type { RpcClient } from "./rpcClient.js";

/** What a {@link Membership} works with. */
export interface MembershipDeps {
  nodeId: string;
  log: RaftLog;
  machine: StateMachine;
  clock: Clock;
  rpc: RpcClient;
  renewals: Renewals;
  /** This node's API URL, as other nodes reach it. */
  apiUrl: string;
  /** The URL of this node's internal endpoints (its internal listener), announced to the others. */
  internalUrl?: string | undefined;
  /** This node's Raft address (`host:port`), if it listens for Raft traffic. */
  raftAddress?: string | undefined;
}

/** Whether `node` is a voter or a learner of `membership`. */
export function isRaftMember(
  membership: { voters: readonly string[]; learners: readonly string[] },
  node: string,
): boolean {
  return membership.voters.includes(node) || membership.learners.includes(node);
}

const memberBodySchema = z.strictObject({
  id: z.string().regex(/^[\w.-]{1,64}$/, "letters, digits, '.', '_' or '-', at most 64"),
  raftAddress: z.string().regex(/^[^\s:]+:\d{1,5}$/, "host:port"),
});

/**
 * Who is in the cluster: adding and removing nodes (Raft membership changes run on the leader, and the
 * node's addresses go through the log), this node announcing its own addresses, and the cluster view.
 */
export class Membership {
  readonly #deps: MembershipDeps;
  readonly #announcer: Announcer;

  constructor(deps: MembershipDeps) {
    this.#deps = deps;
    this.#announcer = new Announcer(deps);
  }

  /** Whether the log holds this node's current addresses. */
  get announced(): boolean {
    return this.#announcer.announced;
  }

  /** Announces this node's addresses through the log unless it holds them already. */
  announceIfNeeded(): void {
    this.#announcer.announceIfNeeded();
  }

  /** Adds a node: its Raft address goes through the log, then Raft adds it as a learner and promotes it. */
  async addMember(body: unknown): Promise<{ id: string; raftAddress: string }> {
    const parsed = memberBodySchema.safeParse(body);
    if (!parsed.success) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `Invalid member: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}. Send {"id": "d", "raftAddress": "host:port"}.`,
      );
    }
    const { id, raftAddress } = parsed.data;
    const { log, clock } = this.#deps;
    const applied = await log.propose({ type: "node.add", node: id, raftAddress, at: clock.now() });
    if (!applied.ok) throw new AmstaffError("AMS_ERR_REQUEST_INVALID", applied.reason);
    await this.#asLeader((raft) => raft.addVoter(id), { add: { id, raftAddress } });
    return { id, raftAddress };
  }

  /** Removes a node from the Raft membership; its modules move to the others. */
  async removeMember(id: string): Promise<void> {
    await this.#asLeader((raft) => raft.removeMember(id), { remove: id });
    await this.#deps.log
      .propose({ type: "node.remove", node: id, at: this.#deps.clock.now() })
      .catch(() => undefined);
  }

  /** Runs a membership change on the leader: here, or through its internal endpoint. */
  async #asLeader(
    change: (raft: RaftLog["raft"]) => Promise<void>,
    forwarded: Parameters<RpcClient["changeMembership"]>[1],
  ): Promise<void> {
    const { log } = this.#deps;
    if (log.raft.role === "leader") {
      try {
        await change(log.raft);
        return;
      } catch (error) {
        throw new AmstaffError(
          "AMS_ERR_LOG_UNAVAILABLE",
          `Membership change failed: ${describeError(error)}`,
        );
      }
    }
    const leader = log.leaderTarget();
    if (leader === undefined)
      throw new AmstaffError("AMS_ERR_LOG_UNAVAILABLE", "No leader is known; try again.");
    const status = await this.#deps.rpc.changeMembership(leader, forwarded);
    if (status !== 200) {
      throw new AmstaffError("AMS_ERR_LOG_UNAVAILABLE", `The leader refused the change (HTTP ${status}).`);
    }
  }

  /** Whether `node` is a voter or learner of the Raft membership. */
  isMember(node: string): boolean {
    return isRaftMember(this.#deps.log.raft.membership, node);
  }

  /** `GET /cluster`: this node's view, with health when it is the leader. */
  view(): Record<string, unknown> {
    const { log, machine, nodeId, renewals } = this.#deps;
    const now = renewals.now();
    const { voters, learners } = log.raft.membership;
    const ids = [...new Set([...voters, ...learners, ...machine.members().map((m) => m.id)])].sort();
    const owned = new Map<string, string[]>();
    for (const grant of machine.grants())
      owned.set(grant.node, [...(owned.get(grant.node) ?? []), grant.module]);
    const leader = log.raft.leader;
    return {
      node: nodeId,
      clusterId: machine.clusterId ?? null,
      leader,
      term: log.raft.term,
      commitIndex: log.raft.commitIndex,
      appliedIndex: log.raft.appliedIndex,
      members: ids.map((id) => {
        const member = machine.member(id);
        return {
          id,
          role:
            id === leader
              ? "leader"
              : voters.includes(id)
                ? "follower"
                : learners.includes(id)
                  ? "learner"
                  : "removed",
          voter: voters.includes(id),
          apiUrl: member?.apiUrl ?? null,
          raftAddress: member?.raftAddress ?? null,
          health: renewals.health(id, now),
          lastRenewalMsAgo: renewals.msSinceRenewal(id, now),
          modules: (owned.get(id) ?? []).sort(),
        };
      }),
      unowned: machine.ownable().filter((m) => machine.grant(m) === undefined),
    };
  }
}
