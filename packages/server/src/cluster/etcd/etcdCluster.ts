import type { IncomingMessage, ServerResponse } from "node:http";
import { AmstaffError } from "@amstaff/core";
import type { Logger } from "pino";
import type { Clock } from "../../clock.js";
import type { GlanceReply, GlanceRequest } from "../../runtime/peerGlances.js";
import type { UptimeDaysReply, UptimeDaysRequest } from "../../runtime/uptimeDays.js";
import type { StateMachine } from "../../state/stateMachine.js";
import { Announcer } from "../announcer.js";
import type { ClusterHttp } from "../clusterHttp.js";
import type { ClusterEngine } from "../engine.js";
import { LeasedOwnership } from "../leasedOwnership.js";
import { unavailable } from "../logErrors.js";
import { PeerCalls } from "../peerCalls.js";
import { RpcClient } from "../rpcClient.js";
import { type RpcServerOptions, serveInternal } from "../rpcServer.js";
import { type ClusterTiming, resolveClusterTiming } from "../timing.js";
import type { EtcdLog } from "./etcdLog.js";
import { EtcdMembers } from "./etcdMembers.js";
import { EtcdRegistration } from "./etcdRegistration.js";

/** What an {@link EtcdCluster} works with. */
export interface EtcdClusterDeps {
  nodeId: string;
  log: EtcdLog;
  machine: StateMachine;
  /** Measures leases and handoffs (monotonic), and stamps commands (wall clock). */
  clock: Clock;
  logger: Logger;
  /** This node's API URL, as other nodes reach it. */
  apiUrl: string;
  /** The URL of this node's internal listener (mutual TLS), registered for the others; else the API's. */
  internalUrl?: string | undefined;
  /** The token other nodes present to this node's internal endpoints (see `etcdSecret.ts`). */
  internalToken: string;
  /** How this node calls the others' internal endpoints. */
  http: ClusterHttp;
  /** This node's daily sample counts, which it answers the others (the status pages' bars). */
  uptimeDays?: ((request: UptimeDaysRequest) => UptimeDaysReply) | undefined;
  /** The overview's bars of the monitors this node runs, which it answers the others. */
  glance?: ((request: GlanceRequest) => GlanceReply) | undefined;
  /** `renewEveryMs`, `stableMs`, `balanceEveryMs`, and the drift margin `reassignAfterMs - leaseMs`. */
  timing?: Partial<ClusterTiming> | undefined;
  /**
   * The TTL of this node's etcd lease, in whole seconds: a dead node's modules move about this long
   * after its last renewal. etcd refuses TTLs below its own minimum (1.5 × its election timeout).
   * @default 3
   */
  leaseTtlSeconds?: number | undefined;
  /** Fault injection for tests: when true, this node renews nothing (it is cut off from etcd's leases). */
  isolated?: () => boolean;
}

/**
 * Module ownership on etcd (the etcd {@link ClusterEngine}, issue 17). etcd is the coordinator: every
 * node appends to the log in etcd itself, reads through etcd, and registers itself there. Nodes call each
 * other only to read what lives on the node that runs a monitor, not in the log: the overview's bars and
 * the status pages' days ({@link PeerCalls}, at the addresses the others registered). Those two
 * endpoints are all an etcd node serves of `rpc.ts`, with the internal token derived from the cluster's
 * secret as on Raft, over mutual TLS when the cluster has certificates.
 *
 * **Liveness.** A node is alive while its registration `<prefix>/members/<id>` exists: it is put under
 * an etcd lease that the node's own lease renewals keep alive ({@link EtcdRegistration}). A node runs
 * modules only while its last counted renewal was sent less than `ttl − margin` ago, on its monotonic
 * clock (`margin = reassignAfterMs − leaseMs`, as on Raft).
 *
 * **Balancing.** The node registered first balances ({@link EtcdMembers}): grants and releases are
 * commands in the log, as on Raft, and a grant's fencing token is its log index, which on etcd is the
 * revision of the entry. The state machine refuses commands with a stale token.
 *
 * **Why a cut-off node stops before another starts.** etcd leases are not fencing by themselves: etcd
 * deletes a key when its lease expires, but nothing stops the holder from acting afterwards. So a node
 * stops on its own clock `margin` before etcd can expire its lease (etcd never expires a lease earlier
 * than TTL after the last keep-alive it handled, which came after the node sent it), the balancer moves
 * modules only away from nodes whose key is gone, and the new owner starts only after applying the
 * grant. This holds provided clock rates differ by less than the margin over a TTL, and no process stalls
 * between checking its lease and acting (the assumption of today's Raft leases); what a stalled node
 * still commits afterwards is refused by the token. A handoff away from a live node waits one lease, as
 * on Raft: the old owner stops when it applies the grant, or when its lease runs out.
 */
export class EtcdCluster extends LeasedOwnership implements ClusterEngine {
  readonly #deps: EtcdClusterDeps;
  readonly timing: ClusterTiming;
  readonly #registration: EtcdRegistration;
  readonly #members: EtcdMembers;
  readonly #peers: PeerCalls;
  readonly #rpcServer: RpcServerOptions;

  constructor(deps: EtcdClusterDeps) {
    const timing = resolveClusterTiming(deps.timing);
    const { nodeId, log, machine, clock, logger, apiUrl, internalUrl } = deps;
    const ttlSeconds = deps.leaseTtlSeconds ?? 3;
    const leaseMs = ttlSeconds * 1_000 - (timing.reassignAfterMs - timing.leaseMs);
    if (!Number.isInteger(ttlSeconds) || leaseMs <= 2 * timing.renewEveryMs) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `The etcd lease TTL (${ttlSeconds} s) must be whole seconds, and longer than the drift margin plus two renewals.`,
      );
    }
    const registration = new EtcdRegistration({
      space: log.space,
      nodeId,
      log,
      clock,
      logger,
      ttlSeconds,
      leaseMs,
      value: () => JSON.stringify({ apiUrl, ...(internalUrl ? { internalUrl } : {}) }),
    });
    const members = new EtcdMembers(log.space, nodeId, clock, timing);
    super({
      nodeId,
      log,
      machine,
      clock,
      logger,
      timing: { ...timing, leaseMs },
      renewer: registration,
      coordination: members,
      announcer: new Announcer({ nodeId, log, machine, clock, apiUrl, internalUrl }),
      isolated: deps.isolated,
    });
    this.#deps = deps;
    this.timing = timing;
    this.#registration = registration;
    this.#members = members;
    const rpc = new RpcClient(deps.http, clock);
    this.#peers = new PeerCalls(rpc, () => (deps.isolated?.() ? [] : members.others()));
    this.#rpcServer = {
      internalToken: deps.internalToken,
      isolated: deps.isolated,
      logger,
      handlers: {
        uptimeDays: deps.uptimeDays,
        glance: deps.glance,
        // Both endpoints only read; with certificates, only a node registered now may (not one stopped
        // and forgotten whose certificate is still valid).
        checkPeer: (peer) => {
          if (peer === undefined || members.nodes().includes(peer)) return;
          throw new AmstaffError(
            "AMS_ERR_CLUSTER_IDENTITY",
            `Refused a request from the node of certificate "${peer}": it is not registered in etcd.`,
            { details: { peer } },
          );
        },
      },
    };
  }

  /**
   * `GET /cluster`: every node reads etcd itself, so each answers with the whole view: the registered
   * nodes are `up`, announced nodes that are not registered are `down`.
   */
  async clusterView(): Promise<Record<string, unknown>> {
    const { machine, nodeId, log } = this.#deps;
    let registered: readonly string[] | undefined;
    try {
      await this.#members.refresh();
      registered = this.#members.nodes();
    } catch {
      // etcd unreachable: the view says what this node knows, with health unknown.
    }
    const ids = [...new Set([...(registered ?? []), ...machine.members().map((m) => m.id)])].sort();
    const owned = new Map<string, string[]>();
    for (const grant of machine.grants())
      owned.set(grant.node, [...(owned.get(grant.node) ?? []), grant.module]);
    const coordinator = registered === undefined ? null : (this.#members.coordinator ?? null);
    return {
      engine: "etcd",
      node: nodeId,
      clusterId: machine.clusterId ?? null,
      leader: coordinator,
      appliedIndex: log.appliedRevision,
      members: ids.map((id) => ({
        id,
        role: id === coordinator ? "leader" : "follower",
        apiUrl: machine.member(id)?.apiUrl ?? null,
        health: registered === undefined ? "unknown" : registered.includes(id) ? "up" : "down",
        modules: (owned.get(id) ?? []).sort(),
      })),
      unowned: machine.ownable().filter((m) => machine.grant(m) === undefined),
      answeredBy: nodeId,
    };
  }

  /** With etcd a node joins by starting with `--etcd`: there is nothing to add. */
  async addMember(): Promise<{ id: string; raftAddress: string }> {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      "This cluster runs on etcd: a node joins by starting with the same --etcd and --etcd-prefix; there is nothing to add.",
    );
  }

  /**
   * Forgets a node that is gone (its addresses leave the log). A registered node is refused: its
   * modules move once it stops, and deleting its registration would not stop it.
   */
  async removeMember(id: string): Promise<void> {
    await this.#members.refresh().catch((error: unknown) => {
      throw unavailable("etcd could not be read to check that the node is stopped; try again.", error);
    });
    if (this.#members.nodes().includes(id)) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `Node "${id}" is running (registered in etcd): stop it first; its modules move to the others.`,
      );
    }
    await this.#deps.log.propose({ type: "node.remove", node: id, at: this.#deps.clock.now() });
  }

  /** The other registered nodes' daily sample counts of some monitors (see {@link PeerCalls}). */
  peerUptimeDays(request: UptimeDaysRequest): Promise<UptimeDaysReply[]> {
    return this.#peers.uptimeDays(request);
  }

  /** The overview's bars of the monitors the other registered nodes run, or only `node`'s. */
  peerGlances(request: GlanceRequest, node?: string): Promise<{ node: string; reply: GlanceReply }[]> {
    return this.#peers.glances(request, node);
  }

  /**
   * Serves `POST /_cluster/glance` and `POST /_cluster/uptime-days` (authenticated with the internal
   * token); every other internal endpoint answers 404 on etcd.
   */
  handleInternal(request: IncomingMessage, response: ServerResponse, peer?: string): void {
    serveInternal(this.#rpcServer, request, response, peer);
  }

  /** Stops renewing and balancing and revokes the registration: this node's modules move at once. */
  override async stop(): Promise<void> {
    super.stop();
    await this.#registration.close();
  }
}
