import type { Progress, ProgressTracker } from "./progress.js";
import type { RaftLog } from "./raftLog.js";
import type { OutgoingMessage } from "./raftOptions.js";
import { snapshotChunk } from "./snapshotTransfer.js";
import type { Message, NodeId, Snapshot } from "./types.js";

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
function nextAppend(
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
  const entries = log.slice(pr.next, pr.next + limits.maxEntriesPerMsg - 1, limits.maxBytesPerMsg);
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
 * The leader's sending side: AppendEntries, heartbeats and snapshot chunks to each follower, as its
 * progress allows. Messages go to `send`, which stamps the sender and term.
 */
export class Replicator {
  readonly #self: NodeId;
  readonly #log: RaftLog;
  readonly #prs: ProgressTracker;
  readonly #limits: ReplicationLimits;
  readonly #chunkSize: number;
  readonly #send: (m: OutgoingMessage) => void;
  /** The snapshot being sent to followers, with its bytes (see {@link Replicator.releaseSnapshot}). */
  #sending: Snapshot | null = null;

  constructor(
    self: NodeId,
    log: RaftLog,
    prs: ProgressTracker,
    limits: ReplicationLimits & { chunkSize: number },
    send: (m: OutgoingMessage) => void,
  ) {
    this.#self = self;
    this.#log = log;
    this.#prs = prs;
    this.#limits = limits;
    this.#chunkSize = limits.chunkSize;
    this.#send = send;
  }

  /** Sends entries (or a probe, or a snapshot) to `to`; returns whether a message was sent. */
  sendAppend(to: NodeId, commit: number, sendIfEmpty: boolean): boolean {
    const pr = this.#prs.get(to);
    if (!pr) return false;
    const next = nextAppend(this.#log, to, pr, commit, this.#limits, sendIfEmpty);
    if (next === null) return false;
    if (next === "snapshot") return this.#sendSnapshot(to, pr);
    this.#send(next);
    return true;
  }
  /** Sends every follower what it lacks, or an empty AppendEntries (carrying `commit`). */
  bcastAppend(commit: number): void {
    for (const id of this.#prs.ids()) if (id !== this.#self) this.sendAppend(id, commit, true);
  }
  /** Sends every follower a heartbeat of leader tick `now`, for the ReadIndex round `context` if any. */
  bcastHeartbeat(commit: number, now: number, context?: number): void {
    this.releaseSnapshot();
    for (const [id, pr] of this.#prs.entries()) {
      if (id === this.#self) continue;
      this.#send({
        type: "heartbeat",
        to: id,
        commit: Math.min(pr.match, commit),
        tick: now,
        ...(context !== undefined ? { context } : {}),
      });
    }
  }
  #sendSnapshot(to: NodeId, pr: Progress): boolean {
    const snap = this.#latestSnapshot();
    // Storage is still writing it: the follower's next heartbeat reply asks again.
    if (!snap) return false;
    pr.becomeSnapshot(snap.meta.index);
    this.sendChunk(to, pr);
    return true;
  }
  /** Sends the next chunk of the snapshot `to` is receiving (none while storage is still writing it). */
  sendChunk(to: NodeId, pr: Progress): void {
    const snap = this.#latestSnapshot();
    if (snap) this.#send(snapshotChunk(to, pr, snap, this.#chunkSize));
  }
  /**
   * The log's latest snapshot with its bytes, read once per snapshot and held while followers receive it
   * (a transfer is many chunks: reading a multi-MB snapshot back for each would cost its size every time).
   */
  #latestSnapshot(): Snapshot | undefined {
    const meta = this.#log.snapshotMeta();
    if (!meta) throw new Error("raft: log compacted without a snapshot");
    if (this.#sending?.meta.index !== meta.index) this.#sending = this.#log.readSnapshot() ?? null;
    return this.#sending ?? undefined;
  }
  /** Lets go of the snapshot's bytes once no follower is receiving it. */
  releaseSnapshot(): void {
    if (this.#sending === null) return;
    for (const [id, pr] of this.#prs.entries()) if (id !== this.#self && pr.state === "snapshot") return;
    this.#sending = null;
  }
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
