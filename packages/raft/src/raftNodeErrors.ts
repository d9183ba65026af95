import { NotLeaderError, RaftError, RaftErrorCode } from "./errors.js";
import type { PendingProposal } from "./proposalBatch.js";
import type { SettledProposal } from "./proposalTracker.js";
import type { ProposeRefusal } from "./raftOptions.js";
import type { NodeId } from "./types.js";

/** The error a settled proposal rejects with, or undefined when it was applied (its result resolves). */
export function outcomeError(s: SettledProposal<unknown>): RaftError | undefined {
  const at = `entry ${s.index} (term ${s.term})`;
  switch (s.outcome) {
    case "applied":
      return undefined;
    case "dropped":
      return new RaftError(
        RaftErrorCode.Dropped,
        `proposal dropped: another entry was committed at ${at}; it will never take effect, retrying is safe`,
      );
    case "appliedResultUnknown":
      return new RaftError(
        RaftErrorCode.AppliedResultUnknown,
        `proposal ${at} was committed and applied, learnt here from a snapshot: its result is unknown; do not retry`,
      );
    case "unknown":
      return new RaftError(
        RaftErrorCode.OutcomeUnknown,
        `leadership lost with ${at} pending and its fate could not be learnt: it may or may not take effect`,
      );
  }
}

/** Settles a proposal: resolves it with `result` when it was applied here, else rejects it with the outcome's error. */
export function settleProposal(s: SettledProposal<PendingProposal>, result?: unknown): void {
  const error = outcomeError(s);
  if (error) s.token.reject(error);
  else s.token.resolve(result);
}

/** The error a proposal refused by the core rejects with. */
export function refusal(r: ProposeRefusal, leader: NodeId | null): RaftError {
  switch (r) {
    case "notLeader":
      return new NotLeaderError(leader);
    case "transferring":
      return new RaftError(RaftErrorCode.Transferring, "leadership transfer in progress");
    case "confChangePending":
      return new RaftError(RaftErrorCode.ConfChangePending, "another membership change is pending");
    case "invalidConfChange":
      return new RaftError(RaftErrorCode.InvalidConfChange, "invalid membership change");
  }
}

/**
 * The error a proposal whose caller's signal aborted rejects with: dropped while still queued (`index`
 * undefined, it never reached the log), of unknown outcome once it holds a log index.
 */
export function abortedError(signal: AbortSignal, index: number | undefined): RaftError {
  return index === undefined
    ? new RaftError(
        RaftErrorCode.Dropped,
        "proposal aborted before it reached the log; it will never take effect",
        {
          cause: signal.reason,
        },
      )
    : new RaftError(
        RaftErrorCode.OutcomeUnknown,
        `proposal aborted while entry ${index} was pending: it may or may not take effect`,
        { cause: signal.reason },
      );
}
