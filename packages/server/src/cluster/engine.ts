import type { IncomingMessage, ServerResponse } from "node:http";
import type { RaftSource } from "../runtime/metrics.js";
import type { GlanceReply, GlanceRequest } from "../runtime/peerGlances.js";
import type { UptimeDaysReply, UptimeDaysRequest } from "../runtime/uptimeDays.js";
import type { ReplicatedLog } from "../state/replicatedLog.js";
import type { Ownership } from "./ownership.js";

/**
 * What the server needs from the log of a consensus engine (Raft or etcd): proposals, plus the read
 * barrier behind `?consistent=true` and waiting until this node applied an index.
 */
export interface ConsistentLog extends ReplicatedLog {
  readonly nodeId: string;
  /** Resolves once this node applied everything committed before the call (a linearizable read). */
  readBarrier(timeoutMs?: number): Promise<void>;
  /** Resolves once this node applied `index`; rejects with `AMS_ERR_LOG_UNAVAILABLE` after `timeoutMs`. */
  waitApplied(index: number, timeoutMs: number): Promise<void>;
}

/**
 * How a node renews its lease with the engine's coordinator (the Raft leader, or etcd). A renewal counts
 * only once it resolved; the lease then lasts `leaseMs` from `sentAt`, so an engine must not resolve
 * unless the coordinator certainly considered this node alive at some time after `sentAt`, and this node
 * applied every ownership change committed before that time.
 */
export interface LeaseRenewer {
  /** Renews once; rejects when the renewal does not count. */
  renew(sentAt: number, signal: AbortSignal): Promise<void>;
  /** Calls `listener` when a new coordinator becomes known, so a node renews with it at once. */
  onCoordinatorChange(listener: () => void): void;
}

/** What the balancer learns from the engine: whether it is its turn, and which nodes are alive. */
export interface Coordination {
  /**
   * Whether this node is the one that balances modules now (the Raft leader, etcd's oldest member);
   * called first in each round, so an engine may refresh its view of the nodes here.
   */
  isCoordinator(): Promise<boolean>;
  /** The monotonic time now, on the clock liveness is measured with. */
  now(): number;
  /** The nodes modules may be given to, alive or not, as of the round's `isCoordinator`. */
  nodes(): readonly string[];
  /** Whether `node` may still hold a lease: while it does, its modules are only handed off. */
  isLive(node: string, now: number): boolean;
  /** Whether `node` has been live without a gap for `stableMs`: only then do modules move to it. */
  isStable(node: string, now: number): boolean;
}

/**
 * A node's part in a cluster, whatever the engine: ownership of modules under a lease, readiness, the
 * `GET /cluster` view, membership changes, and the internal node-to-node endpoints.
 */
export interface ClusterEngine extends Ownership {
  /** Starts renewing the lease and, while coordinator, balancing. */
  start(): void;
  /** Stops renewing and balancing; this node runs nothing from now on (at once, before it resolves). */
  stop(): void | Promise<void>;
  /** Whether this node holds a valid lease now. */
  hasLease(): boolean;
  /** Resolves true once this node has a lease and the cluster has an id, or false after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>;
  /** `GET /cluster` on any node: the most complete view this node can give. */
  clusterView(): Promise<Record<string, unknown>>;
  /** `POST /cluster/members`. */
  addMember(body: unknown): Promise<{ id: string; raftAddress: string }>;
  /** `DELETE /cluster/members/:id`: its modules move to the others. */
  removeMember(id: string): Promise<void>;
  /** Serves the internal endpoints; `peer` is the node its client certificate names, if any. */
  handleInternal(request: IncomingMessage, response: ServerResponse, peer?: string): void;
  /** The other nodes' daily sample counts of some monitors (the status pages' bars), see `peerCalls.ts`. */
  peerUptimeDays(request: UptimeDaysRequest): Promise<UptimeDaysReply[]>;
  /** The overview's bars of the monitors the other nodes run (or only `node`'s), see `peerCalls.ts`. */
  peerGlances(request: GlanceRequest, node?: string): Promise<{ node: string; reply: GlanceReply }[]>;
}

/** Where other nodes reach this one, known once its listeners listen. */
export interface NodeAddresses {
  /** This node's API URL, as other nodes reach it. */
  apiUrl: string;
  /** The URL of this node's internal endpoints (its internal listener), if it has one. */
  internalUrl?: string | undefined;
  /** This node's daily sample counts, for the other nodes that ask (see `runtime/uptimeDays.ts`). */
  uptimeDays?: ((request: UptimeDaysRequest) => UptimeDaysReply) | undefined;
  /** The overview's bars of the monitors this node runs, for the other nodes that ask. */
  glance?: ((request: GlanceRequest) => GlanceReply) | undefined;
}

/**
 * A consensus engine as the server composes it: the log (open from the start), then, once the API
 * listens, the node's {@link ClusterEngine}. The Raft engine (`raftEngine.ts`) and the etcd engine
 * (`etcd/etcdEngine.ts`) implement it.
 */
export interface ConsensusEngine {
  /** `raft` or `etcd`, for logs and `GET /cluster`. */
  readonly name: "raft" | "etcd";
  readonly log: ConsistentLog;
  /** The index of the last log entry this node applied, for metrics. */
  appliedIndex(): number;
  /** Raft's status for the `amstaff_raft_*` metrics; undefined on etcd. */
  readonly raft?: RaftSource | undefined;
  /** The port Raft listens on, when this node talks Raft over the network. */
  readonly raftPort?: number | undefined;
  /**
   * Where the internal listener listens, when this node serves its internal endpoints apart from the API;
   * undefined when it does not (a cluster of one, etcd without cluster certificates).
   */
  readonly internalHost?: string | undefined;
  /** Builds this node's part in the cluster, once its addresses are known. */
  cluster(addresses: NodeAddresses): ClusterEngine;
  /** Closes the log and the engine's connections (after the cluster stopped). */
  close(): Promise<void>;
}
