import type { Command } from "./commands.js";
import type { ApplyResult } from "./stateMachine.js";

/**
 * Where commands go to become state: appended durably, committed, then applied to the state machine
 * in log order. The server's implementation is {@link RaftLog} (a single node is a Raft cluster of one);
 * {@link SqliteLog}, the single-node log of earlier versions, implements it too.
 */
export interface ReplicatedLog {
  /**
   * Appends a command and resolves with the state machine's result once it is committed (durable on
   * a quorum) and applied. Always settles within a deadline. Rejects with `AMS_ERR_LOG_UNAVAILABLE`
   * when the command was not applied (retrying is safe), `AMS_ERR_LOG_OUTCOME_UNKNOWN` when it may or
   * may not have been applied, `AMS_ERR_LOG_RESULT_UNKNOWN` when it was applied but its result is unknown.
   */
  propose(command: Command): Promise<ApplyResult>;
  /** Stops accepting proposals, finishes the ones under way and releases the storage. */
  close(): Promise<void>;
}
