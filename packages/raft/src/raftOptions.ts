import type { RaftStorage } from "./storage.js";
import type { ConfState, Entry, HardState, Message, NodeId, Snapshot } from "./types.js";

/** Options of the deterministic core. Times are in ticks; the core never reads a clock. */
export interface RaftCoreOptions {
  id: NodeId;
  /**
   * Ticks without hearing from a leader before a follower campaigns; the actual timeout is randomized in
   * [electionTick, 2 * electionTick).
   * @default 10
   */
  electionTick?: number;
  /** Ticks between leader heartbeats. @default 1 */
  heartbeatTick?: number;
  /** Run a pre-vote round before incrementing the term (avoids disruption by partitioned nodes). @default true */
  preVote?: boolean;
  /** A leader steps down when it has not heard from a quorum within an election timeout. @default true */
  checkQuorum?: boolean;
  /** Serve reads from the leader lease instead of a heartbeat round (requires checkQuorum). @default false */
  leaseRead?: boolean;
  /** Seed of the election-timeout randomness. @default a hash of the id */
  seed?: number;
  /** Max AppendEntries in flight per follower (pipelining). @default 256 */
  maxInflight?: number;
  /** Max entries in one AppendEntries. @default 1024 */
  maxEntriesPerMsg?: number;
  /** Max entry bytes in one AppendEntries (at least one entry is always sent). @default 1 MiB */
  maxBytesPerMsg?: number;
  /** Bytes per InstallSnapshot chunk. @default 256 KiB */
  snapshotChunkSize?: number;
  /** Max committed entries handed out by one `ready()`. @default 4096 */
  maxApplyBatch?: number;
  /**
   * With a storage that reads entries back ({@link RaftCoreState.storage}), the data bytes of durable
   * entries kept in memory: the newest ones, which followers in step and the state machine ask for.
   * Older ones are read from storage when a lagging follower needs them. Entries not yet durable are
   * always kept.
   * @default 4 MiB
   */
  logCacheBytes?: number;
}

/** Durable state a core restarts from (empty for a brand-new node). */
export interface RaftCoreState {
  hardState?: HardState;
  snapshot?: Snapshot;
  entries?: Entry[];
  /**
   * The storage the state was loaded from, when it can read entries and the snapshot back
   * (`RaftStorage.entries`, `RaftStorage.snapshotData`): the core then drops durable entries beyond
   * `logCacheBytes` and its snapshot's bytes from memory and reads them here when needed. Without it
   * (or without those methods) the core keeps them in memory.
   */
  storage?: Pick<RaftStorage, "entries" | "snapshotData">;
  /**
   * Bootstrap membership for a brand-new founding member (ignored when state exists). A node joining an
   * existing cluster passes none and waits for the leader.
   */
  initialConf?: ConfState;
}

/** Why a proposal was refused by the core. */
export type ProposeRefusal = "notLeader" | "transferring" | "confChangePending" | "invalidConfChange";

/** A message as the core's parts build it; the core stamps `from` and (unless given) its `term`. */
export type OutgoingMessage = Omit<Message, "from" | "term"> & { term?: number };

/** {@link RaftCoreOptions} with every default filled in. */
export type ResolvedRaftCoreOptions = Required<RaftCoreOptions>;

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Fills in the defaults and rejects a heartbeat interval that is not shorter than the election timeout. */
export function resolveRaftCoreOptions(options: RaftCoreOptions): ResolvedRaftCoreOptions {
  const checkQuorum = options.checkQuorum ?? true;
  const resolved: ResolvedRaftCoreOptions = {
    id: options.id,
    electionTick: options.electionTick ?? 10,
    heartbeatTick: options.heartbeatTick ?? 1,
    preVote: options.preVote ?? true,
    checkQuorum,
    leaseRead: (options.leaseRead ?? false) && checkQuorum,
    seed: options.seed ?? hashString(options.id),
    maxInflight: options.maxInflight ?? 256,
    maxEntriesPerMsg: options.maxEntriesPerMsg ?? 1024,
    maxBytesPerMsg: options.maxBytesPerMsg ?? 1 << 20,
    snapshotChunkSize: options.snapshotChunkSize ?? 256 * 1024,
    maxApplyBatch: options.maxApplyBatch ?? 4096,
    logCacheBytes: options.logCacheBytes ?? 4 * 1024 * 1024,
  };
  if (resolved.heartbeatTick >= resolved.electionTick)
    throw new Error("heartbeatTick must be < electionTick");
  return resolved;
}
