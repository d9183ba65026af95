/** A node's identifier, unique within a cluster. */
export type NodeId = string;

/** The kind of a log entry: an application command or a membership change. */
export const EntryType = { Normal: 0, ConfChange: 1 } as const;
/** @see EntryType */
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

/** One replicated log entry. `data` is opaque to Raft (application command or encoded {@link ConfChange}). */
export interface Entry {
  index: number;
  term: number;
  type: EntryType;
  data: Uint8Array;
}

/** The state that must be durable before any message produced together with it is sent. */
export interface HardState {
  term: number;
  vote: NodeId | null;
  commit: number;
}

/** A cluster membership: voters decide, learners only receive the log. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

/** What a snapshot covers: the log up to `index` (of `term`) and the membership at that point. */
export interface SnapshotMeta {
  index: number;
  term: number;
  conf: ConfState;
  /**
   * Where the terms of the covered (committed) log change, as far as the node that took the snapshot knew:
   * `[index, term]` pairs, indexes increasing, each entry from `index` up to the next pair's index having
   * `term`; nothing is known before the first pair. At most {@link MAX_TERM_BOUNDARIES} pairs (the latest).
   * Lets a deposed leader that restores the snapshot tell whether its pending proposals were applied.
   * Optional: storages may drop it (then the next snapshot starts its list afresh).
   */
  terms?: [index: number, term: number][];
}

/** The most term boundaries a {@link SnapshotMeta} carries. */
export const MAX_TERM_BOUNDARIES = 64;

/** A state machine snapshot with its Raft metadata. */
export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

/** One membership change (the dissertation's one-server-at-a-time change). */
export type ConfChange =
  | { type: "addVoter" | "addLearner" | "remove"; id: NodeId }
  | { type: "bootstrap"; voters: NodeId[]; learners: NodeId[] };

/** The Raft RPCs exchanged between nodes. Append only: a type's place is its number in `amstaff-raft/2`. */
export const MessageTypes = [
  "prevote",
  "prevoteResp",
  "vote",
  "voteResp",
  "app",
  "appResp",
  "heartbeat",
  "heartbeatResp",
  "snap",
  "snapResp",
  "timeoutNow",
] as const;
/** @see MessageTypes */
export type MessageType = (typeof MessageTypes)[number];

/**
 * A Raft message. One flat shape for every type (as in etcd's raftpb.Message); fields unused by a type are
 * absent.
 */
export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** app: prev log term; vote: last log term; appResp reject: term at the hint. */
  logTerm?: number;
  /** app: prev log index; vote: last log index; appResp: the acknowledged/rejected index; snap*: snapshot index. */
  index?: number;
  entries?: Entry[];
  commit?: number;
  reject?: boolean;
  rejectHint?: number;
  /** heartbeat(Resp): the ReadIndex round this heartbeat confirms. */
  context?: number;
  /** heartbeat(Resp): the leader's tick when it sent the heartbeat (lease reads). */
  tick?: number;
  /** vote: sent because of a leadership transfer, bypasses the leader lease. */
  force?: boolean;
  snapshot?: SnapshotMeta;
  offset?: number;
  chunk?: Uint8Array;
  done?: boolean;
}

/** A node's role. */
export type Role = "follower" | "precandidate" | "candidate" | "leader";

/** A confirmed ReadIndex: once the state machine has applied `index`, a read for `context` is linearizable. */
export interface ReadState {
  index: number;
  context: number;
}

/** Volatile state reported when it changes. */
export interface SoftState {
  role: Role;
  leader: NodeId | null;
  term: number;
}

/**
 * What the core hands back after `step`/`tick`/`propose`: send `earlyMessages` at once; persist `snapshot`,
 * `entries` and `hardState` (in that order, atomically if possible; durably when `mustSync`); then call
 * `RaftCore.advance(ready)`, send `messages`, and apply `committedEntries` (restoring `snapshot` first when
 * present).
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  /** Entries to persist; any persisted entry with index >= entries[0].index must be discarded first. */
  entries: Entry[];
  /** A snapshot received from the leader: persist it (replacing the log it covers) and restore it. */
  snapshot?: Snapshot;
  /**
   * Whether the write must be durable (fsync) before `messages` are sent: true when it holds entries, a
   * snapshot, or a new term or vote. A change of the commit index alone need not be: a lower commit index
   * after a crash is learnt again from the leader (as etcd's `MustSync`).
   */
  mustSync: boolean;
  /**
   * The leader's AppendEntries, heartbeats, snapshot chunks and TimeoutNow: send them BEFORE (in parallel
   * with) persisting this Ready (Raft thesis §10.2.1). Safe because the leader's own log counts towards the
   * commit quorum only once `advance()` reports it durable, and its term and vote were persisted by an
   * earlier Ready (a Ready that changes them keeps every message in `messages`).
   */
  earlyMessages: Message[];
  /**
   * True on a leader's Ready whose only durable content is new entries of its own log (its term and vote are
   * on disk already, no snapshot, no message waits for the write): the write may then become durable AFTER
   * the Ready is handled, and later Readies handled meanwhile; call `advance(rd)` once it is durable. Safe
   * because the leader's own log joins the commit quorum only then, so a quorum of followers commits
   * without it (Raft thesis §10.2.1). Only set when the followers are a quorum on their own (three voters
   * or more): with fewer, every commit waits for the leader's write anyway. Absent means false.
   */
  durableLater?: boolean;
  /** Messages to send only after the write above is done (votes, acknowledgements). */
  messages: Message[];
  committedEntries: Entry[];
  readStates: ReadState[];
}
