import type { NodeId } from "./types.js";

/** Every error code this package throws. */
export const RaftErrorCode = {
  /** This node is not the leader; `leaderHint` names the one it believes in (if any). */
  NotLeader: "RAFT_NOT_LEADER",
  /** The node was stopped while the operation was pending. */
  Stopped: "RAFT_STOPPED",
  /** The proposal's log entry was overwritten by another leader: it did not and will not take effect. */
  Dropped: "RAFT_PROPOSAL_DROPPED",
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
