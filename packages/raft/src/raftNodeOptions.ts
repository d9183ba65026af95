import type { RaftClock } from "./clock.js";
import type { RaftError } from "./errors.js";
import type { RaftCoreOptions } from "./raftOptions.js";
import type { SnapshotPolicyOptions } from "./snapshotPolicy.js";
import type { RaftStorage } from "./storage.js";
import type { RaftTransport } from "./transport.js";
import type { ConfState, NodeId, Role } from "./types.js";

/** The replicated application. Commands are applied in log order on every node. */
export interface StateMachine<C, R> {
  /** Applies one committed command; the result is returned to the proposer (on the leader). */
  apply(command: C, index: number): R | Promise<R>;
  /**
   * Serializes the whole state as of the last applied entry (the snapshot's index). May return a promise,
   * e.g. to encode in slices that yield to the event loop: until it settles the node applies no entry and
   * restores no snapshot, so the state stays the one at that index (replication, persistence, elections
   * and heartbeats go on meanwhile; committed entries wait).
   */
  snapshot(): Uint8Array | Promise<Uint8Array>;
  /** Replaces the whole state by a snapshot's. */
  restore(snapshot: Uint8Array): void | Promise<void>;
}

/** Turns commands into log entry bytes and back. */
export interface CommandCodec<C> {
  encode(command: C): Uint8Array;
  decode(data: Uint8Array): C;
}

/** Where warnings go (malformed input, storage trouble). */
export interface RaftLogger {
  warn(message: string, details?: Record<string, unknown>): void;
}

/** Options of {@link RaftNode.create}. */
export interface RaftNodeOptions<C, R> {
  /** This node's id, unique in the cluster. */
  id: NodeId;
  /**
   * The founding voters (this node included) when bootstrapping a new cluster: every founder must be given
   * the same list. Omit it on a node that joins an existing cluster (it waits to be added) and on restarts
   * (the membership is recovered from storage).
   */
  initialMembers?: NodeId[];
  transport: RaftTransport;
  storage: RaftStorage;
  stateMachine: StateMachine<C, R>;
  /** @default JSON (UTF-8) */
  codec?: CommandCodec<C>;
  /** Milliseconds per Raft tick. @default 50 */
  tickMs?: number;
  /** Source of ticks and of operation deadlines; inject one in tests. @default the system clock */
  clock?: RaftClock;
  /** Election timeout in ticks, randomized in [n, 2n). @default 10 (500–1000 ms) */
  electionTicks?: number;
  /** Heartbeat interval in ticks. @default 1 (50 ms) */
  heartbeatTicks?: number;
  /**
   * How long a leader holds back telling its followers that the commit index moved when nothing else is
   * sent to them, so that the next AppendEntries or heartbeat carries it instead (see `CommitNotices`).
   * Followers apply up to this much later; 0 tells them at once, as etcd does.
   * @default 2
   */
  commitNoticeDelayMs?: number;
  /** @default true */
  preVote?: boolean;
  /** @default true */
  checkQuorum?: boolean;
  /**
   * Serve `read()` from the leader lease instead of a heartbeat round: faster, but correct only while
   * clocks on all nodes advance at the same rate (bounded drift, no pauses longer than an election timeout).
   * @default false
   */
  leaseRead?: boolean;
  /**
   * When to snapshot and compact the log: once the entries applied since the last snapshot weigh
   * `logSizeFactor` times that snapshot, within `[minLogBytes, maxLogBytes]` (Raft thesis §5.1.3).
   * @default { logSizeFactor: 4, minLogBytes: 1 MiB, maxLogBytes: 256 MiB }
   */
  snapshotPolicy?: SnapshotPolicyOptions;
  /**
   * Snapshot after this many applied entries instead of by log size.
   * @deprecated A fixed count snapshots a large state far too often; use `snapshotPolicy`. Cannot be
   * combined with it.
   */
  snapshotEntries?: number;
  /** Entries kept in the log behind a snapshot so slightly slow followers avoid a snapshot transfer. @default 1000 */
  snapshotKeep?: number;
  /** A learner is promoted by `addVoter` once it is within this many entries of the leader's commit. @default 100 */
  catchUpGap?: number;
  /** Give up on `addVoter` catch-up / `transferLeadership` after this long. @default 30000 */
  operationTimeoutMs?: number;
  /** Bytes per InstallSnapshot chunk. @default 262144 */
  snapshotChunkSize?: number;
  /** Seed of election randomness (tests). @default derived from the id */
  seed?: number;
  logger?: RaftLogger;
}

/** Options of one {@link RaftNode.propose} call. */
export interface ProposeOptions {
  /**
   * Gives up on the proposal when aborted (e.g. `AbortSignal.timeout(ms)`): it rejects with
   * `RAFT_PROPOSAL_DROPPED` if the command had not reached the log yet, else with `RAFT_OUTCOME_UNKNOWN`.
   * Without a signal a proposal still always settles once this node stops leading (see the README's
   * "Proposal outcomes"), but a leader that keeps its role without reaching a quorum (check-quorum off)
   * can keep it pending.
   */
  signal?: AbortSignal;
}

/** Events of a {@link RaftNode}. */
export interface RaftNodeEvents {
  role: [role: Role];
  leader: [leader: NodeId | null];
  term: [term: number];
  membership: [conf: ConfState];
  /** A fatal error (storage failure): the node stopped. */
  error: [error: RaftError];
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** The default {@link CommandCodec}: commands as JSON text. */
export const jsonCodec: CommandCodec<unknown> = {
  encode: (c) => textEncoder.encode(JSON.stringify(c)),
  decode: (d) => JSON.parse(textDecoder.decode(d)),
};

/** The options of a node's core (`RaftCore`), with the node's defaults. */
export function coreOptions(opts: RaftNodeOptions<unknown, unknown>): RaftCoreOptions {
  return {
    id: opts.id,
    electionTick: opts.electionTicks ?? 10,
    heartbeatTick: opts.heartbeatTicks ?? 1,
    preVote: opts.preVote ?? true,
    checkQuorum: opts.checkQuorum ?? true,
    leaseRead: opts.leaseRead ?? false,
    ...(opts.snapshotChunkSize ? { snapshotChunkSize: opts.snapshotChunkSize } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
  };
}
