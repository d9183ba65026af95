import type { Progress } from "./progress.js";
import type { RaftLog } from "./raftLog.js";
import type { OutgoingMessage } from "./raftOptions.js";
import type { Entry, Message, NodeId } from "./types.js";

/** How much the leader puts on the wire per follower. */
export interface ReplicationLimits {
  maxInflight: number;
  maxEntriesPerMsg: number;
  maxBytesPerMsg: number;
}

/**
 * The AppendEntries the leader sends `to` next, updating its progress as if sent; `"snapshot"` when the
 * entries it needs are compacted away, null when the follower is paused or (unless `sendIfEmpty`) there
 * is nothing new.
 */
export function nextAppend(
  log: RaftLog,
  to: NodeId,
  pr: Progress,
  commit: number,
  limits: ReplicationLimits,
  sendIfEmpty: boolean,
): OutgoingMessage | "snapshot" | null {
  if (pr.state === "snapshot") return null;
  if (pr.state === "probe" && pr.probeSent) return null;
  if (pr.state === "replicate" && pr.inflight.length >= limits.maxInflight) return null;
  const prevIndex = pr.next - 1;
  const prevTerm = log.termAt(prevIndex);
  if (prevTerm === undefined) return "snapshot";
  const last = log.lastIndex();
  const entries: Entry[] = [];
  let bytes = 0;
  for (let i = pr.next; i <= last && entries.length < limits.maxEntriesPerMsg; i++) {
    const e = log.entry(i)!;
    if (entries.length > 0 && bytes + e.data.length > limits.maxBytesPerMsg) break;
    bytes += e.data.length;
    entries.push(e);
  }
  if (entries.length === 0 && !sendIfEmpty) return null;
  const msg: OutgoingMessage = { type: "app", to, index: prevIndex, logTerm: prevTerm, entries, commit };
  if (entries.length > 0) {
    if (pr.state === "replicate") {
      const lastSent = entries[entries.length - 1]!.index;
      pr.next = lastSent + 1;
      pr.inflight.push(lastSent);
    } else {
      pr.probeSent = true;
    }
  } else if (pr.state === "probe") {
    pr.probeSent = true;
  }
  return msg;
}

/**
 * Records a follower's rejection of an AppendEntries (`m.index` set) in its progress; returns whether
 * the leader should probe it again from the lowered `next`.
 */
export function appendRejected(log: RaftLog, pr: Progress, m: Message): boolean {
  let hint = m.rejectHint ?? 0;
  if ((m.logTerm ?? 0) > 0) hint = log.findConflictByTerm(hint, m.logTerm!);
  if (pr.maybeDecrTo(m.index!, hint)) {
    if (pr.state === "replicate") pr.becomeProbe();
    return true;
  }
  return false;
}

/** Records a follower's acknowledgement up to `index` in its progress; returns whether `match` moved. */
export function appendAcked(pr: Progress, index: number): boolean {
  if (!pr.maybeUpdate(index)) return false;
  if (pr.state === "probe") pr.becomeReplicate();
  else if (pr.state === "snapshot" && pr.match >= pr.pendingSnapshot) {
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === "replicate") {
    while (pr.inflight.length > 0 && pr.inflight[0]! <= index) pr.inflight.shift();
  }
  return true;
}

/** Records a follower's heartbeat reply (carrying the leader tick `tick`, if any) in its progress. */
export function heartbeatAcked(pr: Progress, tick: number | undefined, maxInflight: number): void {
  pr.recentActive = true;
  pr.probeSent = false;
  if (tick !== undefined) pr.ackedTick = Math.max(pr.ackedTick, tick);
  // A full pipeline whose acks were lost would stall forever: a heartbeat reply frees one slot.
  if (pr.state === "replicate" && pr.inflight.length >= maxInflight) pr.inflight.shift();
}

/**
 * A follower's handling of AppendEntries `m`: appends what is new (truncating a conflicting suffix) and
 * returns the reply, with the index the commit may advance to when the log matched.
 */
export function acceptAppend(
  log: RaftLog,
  m: Message,
  commit: number,
): { reply: OutgoingMessage; commitTo?: number } {
  const prevIndex = m.index ?? 0;
  const prevTerm = m.logTerm ?? 0;
  if (prevIndex < commit) return { reply: { type: "appResp", to: m.from, index: commit } };
  if (log.matchTerm(prevIndex, prevTerm)) {
    const entries = m.entries ?? [];
    const lastNew = prevIndex + entries.length;
    let conflict = -1;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      if (!log.matchTerm(e.index, e.term)) {
        conflict = k;
        break;
      }
    }
    if (conflict >= 0) log.append(entries.slice(conflict), commit);
    return {
      reply: { type: "appResp", to: m.from, index: lastNew },
      commitTo: Math.min(m.commit ?? 0, lastNew),
    };
  }
  const hintIndex = log.findConflictByTerm(Math.min(prevIndex, log.lastIndex()), prevTerm);
  return {
    reply: {
      type: "appResp",
      to: m.from,
      index: prevIndex,
      reject: true,
      rejectHint: hintIndex,
      logTerm: log.termAt(hintIndex) ?? 0,
    },
  };
}
