import type { IncomingMessage, ServerResponse } from "node:http";
import type { NodeId } from "@amstaff/raft";
import type { Logger } from "pino";
import type { Clock } from "../clock.js";
import type { GlanceReply, GlanceRequest } from "../runtime/peerGlances.js";
import type { UptimeDaysReply, UptimeDaysRequest } from "../runtime/uptimeDays.js";
import type { StateMachine } from "../state/stateMachine.js";
import type { ClusterHttp } from "./clusterHttp.js";
import type { ClusterEngine } from "./engine.js";
import { LeasedOwnership } from "./leasedOwnership.js";
import { withTimeout } from "./logErrors.js";
import { Membership } from "./membership.js";
import { PeerCalls } from "./peerCalls.js";
import { checkPeer } from "./peerCheck.js";
import { raftCoordination, raftLeaseRenewer } from "./raftCoordination.js";
import type { RaftLog } from "./raftLog.js";
import { Renewals } from "./renewals.js";
import { isInternalPath, type RpcTarget } from "./rpc.js";
import { RpcClient } from "./rpcClient.js";
import { type RpcServerOptions, serveInternal } from "./rpcServer.js";
import { type ClusterTiming, resolveClusterTiming } from "./timing.js";

/** What a {@link Cluster} works with. */
export interface ClusterDeps {
  nodeId: NodeId;
  log: RaftLog;
  machine: StateMachine;
  /** Measures leases, renewals, handoffs and readiness (monotonic), and stamps commands (wall clock). */
  clock: Clock;
  logger: Logger;
  /** The token other nodes present to this node's internal endpoints. */
  internalToken: string;
  /** How this node calls the others' internal endpoints. */
  http: ClusterHttp;
  /** This node's API URL, as other nodes reach it. */
  apiUrl: string;
  /** The URL of this node's internal endpoints (its internal listener), announced to the others. */
  internalUrl?: string | undefined;
  /** This node's Raft address (`host:port`), if it listens for Raft traffic. */
  raftAddress?: string | undefined;
  timing?: Partial<ClusterTiming>;
  /** Fault injection for tests: when true, this node drops all cluster traffic. */
  isolated?: () => boolean;
  /** This node's daily sample counts, which it answers the others (the status pages' bars). */
  uptimeDays?: ((request: UptimeDaysRequest) => UptimeDaysReply) | undefined;
  /** The overview's bars of the monitors this node runs, which it answers the others. */
  glance?: ((request: GlanceRequest) => GlanceReply) | undefined;
}

/**
 * Module ownership and leases across a Raft cluster (the Raft {@link ClusterEngine}): the composition of this node's lease
 * ({@link NodeLease}), the leader's book of renewals ({@link Renewals}) and its {@link Balancer}, the
 * {@link Membership}, and both halves of the node-to-node protocol (`rpc.ts`).
 *
 * **Leases.** Every `renewEveryMs` — and at once when a new leader becomes known — a node renews its
 * lease with the leader (the leader with itself): the leader confirms it still leads with a ReadIndex
 * round (Raft dissertation §6.4) and answers its applied index; the node's lease then lasts until
 * `sentAt + leaseMs`, on its own monotonic clock, counted from when it *sent* the request, and only once
 * it applied that index (so its view of who owns what is at least as new as the leader's at that moment).
 * Without a valid lease a node runs no monitor and no delivery; with one it keeps running through an
 * election, and renews with the new leader (a lease outlasts an election: `leaseMs` > twice
 * `electionTimeoutMs` plus a renewal).
 *
 * **Reassignment after a follower dies.** The leader moves a module away from a node only after it
 * received no renewal from it for `reassignAfterMs`. The node's lease ended at `sentAt + leaseMs`, before
 * the leader's `receivedAt + reassignAfterMs`, since `sentAt < receivedAt`.
 *
 * **Reassignment after a leader dies.** A new leader does not know when the old one last granted a
 * lease, but it can bound it. A lease granted at `sentAt` was confirmed by a ReadIndex round that a
 * majority acknowledged after `sentAt`; the new leader won the votes of a majority, so some node both
 * acknowledged that round and then voted, and with Raft's check-quorum a node that heard from a leader
 * grants no (pre-)vote for `electionTimeoutMs` (§4.2.3; a candidate itself waits at least that long).
 * So every lease an earlier leader granted was sent before `electedAt - electionTimeoutMs`, and the new
 * leader treats every node as having renewed then: the dead leader's modules move at
 * `electedAt - electionTimeoutMs + reassignAfterMs`, not a full `reassignAfterMs` after the election.
 *
 * In both cases a cut-off node stops at least `reassignAfterMs - leaseMs` before another one starts,
 * provided clocks advance at rates within that margin, no process stalls longer than it between
 * checking its lease and acting (the assumption of leader leases, §6.4.1), and a node that crashes
 * takes longer than `electionTimeoutMs` to restart (it forgets which leader it heard from). When the old
 * owner is alive (rebalancing, removal), the grant is marked `handoff` and the new owner waits one full
 * lease after applying it: the old owner stops when it applies the grant, or at the latest when the
 * lease it had when the grant committed runs out.
 *
 * **Fencing.** Whatever a node believes, the state machine refuses transitions, reminders and delivery
 * records that do not carry the module's current owner and token: a stalled ex-owner cannot change state.
 */
export class Cluster extends LeasedOwnership implements ClusterEngine {
  readonly #deps: ClusterDeps;
  readonly timing: ClusterTiming;
  readonly #rpc: RpcClient;
  readonly #renewals: Renewals;
  readonly #membership: Membership;
  readonly #rpcServer: RpcServerOptions;
  readonly #peers: PeerCalls;

  constructor(deps: ClusterDeps) {
    const timing = resolveClusterTiming(deps.timing);
    const { nodeId, log, machine, clock, logger } = deps;
    const rpc = new RpcClient(deps.http, clock);
    const renewals = new Renewals(log, clock, timing);
    const membership = new Membership({
      nodeId,
      log,
      machine,
      clock,
      rpc,
      renewals,
      apiUrl: deps.apiUrl,
      internalUrl: deps.internalUrl,
      raftAddress: deps.raftAddress,
    });
    const raft = { nodeId, log, clock, rpc, timing, renewals };
    super({
      nodeId,
      log,
      machine,
      clock,
      logger,
      timing,
      renewer: raftLeaseRenewer(raft),
      coordination: raftCoordination(raft),
      announcer: membership,
      isolated: deps.isolated,
    });
    this.#deps = deps;
    this.timing = timing;
    this.#rpc = rpc;
    this.#renewals = renewals;
    this.#membership = membership;
    this.#rpcServer = this.#rpcServerOptions();
    this.#peers = new PeerCalls(rpc, () => this.#peerTargets());
  }

  /** `GET /cluster`: this node's view, with health when it is the leader. */
  view(): Record<string, unknown> {
    return this.#membership.view();
  }

  /** `GET /cluster` on any node: the leader's view (with health) when it answers, else this node's. */
  async clusterView(): Promise<Record<string, unknown>> {
    const { log } = this.#deps;
    if (log.raft.role !== "leader") {
      const leader = log.leaderTarget();
      if (leader !== undefined && !this.#deps.isolated?.()) {
        const view = await this.#rpc.view(leader);
        if (view !== undefined) return { ...view, answeredBy: log.raft.leader };
      }
    }
    return { ...this.view(), answeredBy: this.#deps.nodeId };
  }

  /** Adds a node: its Raft address goes through the log, then Raft adds it as a learner and promotes it. */
  addMember(body: unknown): Promise<{ id: string; raftAddress: string }> {
    return this.#membership.addMember(body);
  }

  /** Removes a node from the Raft membership; its modules move to the others. */
  removeMember(id: string): Promise<void> {
    return this.#membership.removeMember(id);
  }

  /** Every other member's daily sample counts of some monitors (see {@link PeerCalls}). */
  peerUptimeDays(request: UptimeDaysRequest): Promise<UptimeDaysReply[]> {
    return this.#peers.uptimeDays(request);
  }

  /** The overview's bars of the monitors the other members run, or only `node`'s (see {@link PeerCalls}). */
  peerGlances(request: GlanceRequest, node?: string): Promise<{ node: string; reply: GlanceReply }[]> {
    return this.#peers.glances(request, node);
  }

  /** Where to reach every other member (none while this node is isolated, in tests). */
  #peerTargets(): RpcTarget[] {
    if (this.#deps.isolated?.()) return [];
    return this.#deps.machine
      .members()
      .filter((m) => m.id !== this.#deps.nodeId)
      .flatMap((m) => {
        const url = m.internalUrl ?? m.apiUrl;
        return url === undefined ? [] : [{ node: m.id, url }];
      });
  }

  /** Whether a request is for the internal, node-to-node endpoints. */
  static isInternal(url: string | undefined): boolean {
    return isInternalPath(url);
  }

  /**
   * Serves the internal endpoints (authenticated with the cluster's internal token). `peer`: the node id
   * the caller's client certificate names, when node traffic is mutual TLS — then a request counts only
   * for that node (see `checkPeer`).
   */
  handleInternal(request: IncomingMessage, response: ServerResponse, peer?: string): void {
    serveInternal(this.#rpcServer, request, response, peer);
  }

  /** The server half of the node-to-node protocol, answering with this node's parts. */
  #rpcServerOptions(): RpcServerOptions {
    const { log, clock } = this.#deps;
    return {
      internalToken: this.#deps.internalToken,
      isolated: this.#deps.isolated,
      logger: this.#deps.logger,
      handlers: {
        isLeader: () => log.raft.role === "leader",
        isMember: (node) => this.#membership.isMember(node),
        propose: (command) => log.proposeAsLeader(command),
        grantLease: (node) => this.#renewals.grant(node),
        readIndex: async () => {
          await withTimeout(log.raft.read(), 5_000, clock);
          return log.raft.appliedIndex;
        },
        view: () => this.view(),
        addMember: (body) => this.addMember(body),
        removeMember: (id) => this.removeMember(id),
        uptimeDays: this.#deps.uptimeDays,
        glance: this.#deps.glance,
        checkPeer: (from, request) => checkPeer(log.raft, from, request),
      },
    };
  }
}
