import type { RaftLog } from "./raftLog.js";
import type { OutgoingMessage } from "./raftOptions.js";
import type { HardState, Message, NodeId, SoftState } from "./types.js";

/** What a node knows of the current leader's lease when a (pre-)vote request of a higher term arrives. */
export interface LeaseView {
  checkQuorum: boolean;
  leaseRead: boolean;
  leader: NodeId | null;
  electionElapsed: number;
  electionTick: number;
  now: number;
}

/**
 * Whether a node still honours a leader's lease, so it refuses to vote (unless the request is forced by
 * a leadership transfer): that keeps a partitioned node from deposing a live leader (check-quorum).
 */
export function inLeaderLease(v: LeaseView): boolean {
  return (
    v.checkQuorum &&
    ((v.leader !== null && v.electionElapsed < v.electionTick) ||
      // With lease reads, a restarted node may have promised a leader its vote-free lease before the
      // crash: keep the promise for one election timeout after start.
      (v.leaseRead && v.now < v.electionTick))
  );
}

/**
 * How a message of a higher term moves a node: `keep` its term (a pre-vote, or a granted pre-vote
 * reply), follow the sender as the new term's leader, or follow with the leader unknown.
 */
export function higherTermTransition(m: Message): "keep" | "followSender" | "follow" {
  if (m.type === "prevote" || (m.type === "prevoteResp" && !m.reject)) return "keep";
  if (m.type === "app" || m.type === "heartbeat" || m.type === "snap") return "followSender";
  return "follow";
}

/** The reply to a (pre-)vote request `m` of the node's own term or a higher one (§5.2, §5.4.1, §9.6). */
export function answerVote(
  log: RaftLog,
  state: Pick<HardState, "term" | "vote"> & Pick<SoftState, "leader">,
  m: Message,
): { reply: OutgoingMessage; granted: boolean } {
  const canVote =
    state.vote === m.from ||
    (state.vote === null && state.leader === null) ||
    (m.type === "prevote" && m.term > state.term);
  const type = m.type === "vote" ? "voteResp" : "prevoteResp";
  if (canVote && log.isUpToDate(m.logTerm ?? 0, m.index ?? 0)) {
    return { reply: { type, to: m.from, term: m.term }, granted: true };
  }
  return { reply: { type, to: m.from, reject: true }, granted: false };
}
