import type { Command } from "./commands.js";
import type { ApplyResult } from "./stateMachine.js";

/**
 * Where commands go to become state: appended durably, committed, then applied to the state machine
 * in log order. The single-node implementation is {@link SqliteLog}; the Raft cluster implements the
 * same contract, so nothing above it changes when a node joins a cluster.
 */
export interface ReplicatedLog {
  /**
   * Appends a command and resolves with the state machine's result once it is committed (durable on
   * a quorum) and applied. Rejects with `AMS_ERR_LOG_UNAVAILABLE` when it cannot be committed; a
   * rejected command was not applied.
   */
  propose(command: Command): Promise<ApplyResult>;
  /** Stops accepting proposals, finishes the ones under way and releases the storage. */
  close(): Promise<void>;
}
