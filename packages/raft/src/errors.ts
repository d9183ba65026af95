import type { NodeId } from "./types.js";

/** Every error code this package throws. */
export const RaftErrorCode = {
  /** This node is not the leader; `leaderHint` names the one it believes in (if any). */
  NotLeader: "RAFT_NOT_LEADER",
  /** The node was stopped while the operation was pending (a pending proposal's outcome is unknown). */
  Stopped: "RAFT_STOPPED",
  /**
   * The proposal provably did not and never will take effect: another entry was committed at its log index
   * (or it never reached the log). Retrying is safe.
   */
  Dropped: "RAFT_PROPOSAL_DROPPED",
  /**
   * The proposal may or may not take effect: this node lost leadership and did not learn the entry's fate
   * within an election timeout, a snapshot covered it without telling, or the caller's signal aborted it
   * while it was in the log. Retry only an idempotent command, or read the state first.
   */
  OutcomeUnknown: "RAFT_OUTCOME_UNKNOWN",
  /**
   * The proposal was committed and applied, but this node learnt it from a snapshot and never applied the
   * entry itself, so the state machine's result is unknown here. Do not retry; read the state if you need
   * the result.
   */
  AppliedResultUnknown: "RAFT_APPLIED_RESULT_UNKNOWN",
  /** A leadership transfer is in progress; retry shortly. */
  Transferring: "RAFT_TRANSFERRING",
  /** Another membership change is still pending; retry once it is applied. */
  ConfChangePending: "RAFT_CONF_CHANGE_PENDING",
  /** The membership change is invalid (e.g. it would remove the last voter). */
  InvalidConfChange: "RAFT_INVALID_CONF_CHANGE",
  /** The operation did not complete in time (its outcome may be unknown). */
  Timeout: "RAFT_TIMEOUT",
  /** Storage failed; the node stops because it cannot promise durability any more. */
  Storage: "RAFT_STORAGE",
  /** An option of `RaftNode.create` is out of range or contradicts another; nothing was started. */
  InvalidOption: "RAFT_INVALID_OPTION",
} as const;
/** @see RaftErrorCode */
export type RaftErrorCode = (typeof RaftErrorCode)[keyof typeof RaftErrorCode];

/** The one error class of `@amstaff/raft`; switch on `code`. */
export class RaftError extends Error {
  readonly code: RaftErrorCode;
  constructor(code: RaftErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RaftError";
    this.code = code;
  }
}

/** Thrown by writes, reads and membership operations on a node that is not the leader. */
export class NotLeaderError extends RaftError {
  /** The leader this node currently believes in, or null when it knows none (retry later). */
  readonly leaderHint: NodeId | null;
  constructor(leaderHint: NodeId | null) {
    super(
      RaftErrorCode.NotLeader,
      leaderHint ? `not the leader; try ${leaderHint}` : "not the leader; no leader known",
    );
    this.name = "NotLeaderError";
    this.leaderHint = leaderHint;
  }
}
