import type { ConfState, NodeId } from "./types.js";

/**
 * How the leader replicates to a follower: `probe` sends one AppendEntries at a time until it finds the
 * follower's last matching index, `replicate` pipelines optimistically, `snapshot` waits for an
 * InstallSnapshot transfer to finish.
 */
export type ProgressState = "probe" | "replicate" | "snapshot";

/** The leader's view of one follower's log (etcd-io/raft's `tracker.Progress`). */
export class Progress {
  /** Highest index known to be replicated on the follower. */
  match = 0;
  /** Index of the next entry to send. */
  next = 1;
  state: ProgressState = "probe";
  /** In `probe`, whether a probe is in flight (then nothing more is sent until it is answered). */
  probeSent = false;
  /** In `replicate`, the last index of each AppendEntries in flight, oldest first. */
  inflight: number[] = [];
  /** In `snapshot`, the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** In `snapshot`, the byte offset of the next chunk. */
  snapOffset = 0;
  /** Whether the follower was heard from since the last check-quorum round. */
  recentActive = false;
  /** The latest leader tick the follower acknowledged in a heartbeat reply (for lease reads). */
  ackedTick = -Infinity;

  /** Falls back to probing, from the snapshot (if one was being sent) or from `match`. */
  becomeProbe(): void {
    if (this.state === "snapshot") {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
      this.pendingSnapshot = 0;
    } else {
      this.next = this.match + 1;
    }
    this.state = "probe";
    this.probeSent = false;
    this.inflight = [];
  }
  /** Starts pipelining after `match`. */
  becomeReplicate(): void {
    this.state = "replicate";
    this.next = this.match + 1;
    this.probeSent = false;
    this.inflight = [];
  }
  /** Starts sending the snapshot at `index`, from its first byte. */
  becomeSnapshot(index: number): void {
    this.state = "snapshot";
    this.pendingSnapshot = index;
    this.snapOffset = 0;
    this.inflight = [];
  }
  /** Records an acknowledgement up to `n`; returns whether `match` moved. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }
  /**
   * Handles a rejection of the AppendEntries after `rejected`; `matchHint` is the follower's guess of the
   * last index that may match. Returns false when the rejection is stale (then nothing changes).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }
}

/**
 * The membership as the state machine counts it (etcd-io/raft's `tracker.ProgressTracker`): voters and
 * learners, a {@link Progress} per member, the votes of the current election, and the quorum questions
 * asked of them (what is committed, who won, whether the leader is still heard, how far its lease reaches).
 */
export class ProgressTracker {
  readonly #self: NodeId;
  #voters = new Set<NodeId>();
  #learners = new Set<NodeId>();
  readonly #prs = new Map<NodeId, Progress>();
  readonly #votes = new Map<NodeId, boolean>();

  constructor(self: NodeId) {
    this.#self = self;
  }

  /** The voters of the applied membership. */
  get voters(): ReadonlySet<NodeId> {
    return this.#voters;
  }

  /**
   * Adopts `conf`: progress of removed members is dropped, new members start probing at `lastIndex + 1`
   * (and this node's own progress matches its durable log, up to `stableIndex`).
   */
  setConf(conf: ConfState, lastIndex: number, stableIndex: number): void {
    this.#voters = new Set(conf.voters);
    this.#learners = new Set(conf.learners);
    for (const id of [...this.#prs.keys()]) {
      if (!this.#voters.has(id) && !this.#learners.has(id)) this.#prs.delete(id);
    }
    for (const id of [...conf.voters, ...conf.learners]) {
      if (!this.#prs.has(id)) this.#prs.set(id, this.#fresh(id, lastIndex, stableIndex));
    }
  }

  /**
   * Forgets everything known of every member (a new term): all probe again from `lastIndex + 1`; this node
   * matches its durable log (up to `stableIndex`).
   */
  resetProgress(lastIndex: number, stableIndex: number): void {
    for (const id of this.#prs.keys()) this.#prs.set(id, this.#fresh(id, lastIndex, stableIndex));
  }
  #fresh(id: NodeId, lastIndex: number, stableIndex: number): Progress {
    const pr = new Progress();
    pr.next = lastIndex + 1;
    // The leader counts itself towards the commit quorum only for entries on its own disk (thesis §10.2.1).
    if (id === this.#self) pr.match = Math.min(lastIndex, stableIndex);
    return pr;
  }

  /** The progress of member `id`, if it is one. */
  get(id: NodeId): Progress | undefined {
    return this.#prs.get(id);
  }
  /** Every member's progress, in membership order. */
  entries(): IterableIterator<[NodeId, Progress]> {
    return this.#prs.entries();
  }
  /** Every member, in membership order. */
  ids(): IterableIterator<NodeId> {
    return this.#prs.keys();
  }
  /** Whether `id` is a voter. */
  isVoter(id: NodeId): boolean {
    return this.#voters.has(id);
  }
  /** Votes needed for a majority of the voters. */
  quorum(): number {
    return Math.floor(this.#voters.size / 2) + 1;
  }

  /** The highest index replicated on a quorum of voters (0 without voters). */
  committed(): number {
    const matches: number[] = [];
    for (const id of this.#voters) matches.push(this.#prs.get(id)?.match ?? 0);
    if (matches.length === 0) return 0;
    matches.sort((a, b) => b - a);
    return matches[this.quorum() - 1]!;
  }

  /** Forgets the votes of the previous election. */
  resetVotes(): void {
    this.#votes.clear();
  }
  /** Records `id`'s answer; only its first answer in an election counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.#votes.has(id)) this.#votes.set(id, granted);
  }
  /** Votes granted and rejected by voters so far. */
  tally(): { granted: number; rejected: number } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.#voters) {
      const v = this.#votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected };
  }

  /** Whether a quorum of voters (this node included) was heard from since {@link resetRecentActive}. */
  quorumActive(): boolean {
    let active = 0;
    for (const id of this.#voters) {
      if (id === this.#self || this.#prs.get(id)?.recentActive) active++;
    }
    return active >= this.quorum();
  }
  /** Starts a new check-quorum round: only this node counts as heard. */
  resetRecentActive(): void {
    for (const [id, pr] of this.#prs) pr.recentActive = id === this.#self;
  }

  /**
   * The latest leader tick that a quorum of voters acknowledged, this node counting as `now`
   * (-Infinity when no quorum acknowledged any).
   */
  quorumAckedTick(now: number): number {
    const ticks: number[] = [];
    for (const id of this.#voters) {
      ticks.push(id === this.#self ? now : (this.#prs.get(id)?.ackedTick ?? -Infinity));
    }
    ticks.sort((a, b) => b - a);
    return ticks[this.quorum() - 1] ?? -Infinity;
  }
}
