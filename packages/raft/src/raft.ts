import { applyConfChange, decodeConfChange, encodeConfChange } from "./confChange.js";
import { recoverCore } from "./coreRecovery.js";
import { answerVote, higherTermTransition, inLeaderLease } from "./election.js";
import { LeaderReads } from "./leaderReads.js";
import { type ProgressState, ProgressTracker } from "./progress.js";
import type { RaftLog } from "./raftLog.js";
import {
  type OutgoingMessage,
  type ProposeRefusal,
  type RaftCoreOptions,
  type RaftCoreState,
  resolveRaftCoreOptions,
} from "./raftOptions.js";
import { ReadyTracker } from "./readyState.js";
import { acceptAppend, appendAcked, appendRejected, heartbeatAcked, Replicator } from "./replication.js";
import { Rng } from "./rng.js";
import { SnapshotReceiver } from "./snapshotTransfer.js";
import {
  type ConfChange,
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type Message,
  type NodeId,
  type ReadState,
  type Ready,
  type Role,
  type Snapshot,
} from "./types.js";

export type { ProposeRefusal, RaftCoreOptions, RaftCoreState } from "./raftOptions.js";

/**
 * The deterministic Raft state machine, in the style of etcd-io/raft: no timers, no I/O. Drive it with
 * {@link RaftCore.tick}, {@link RaftCore.step} and the proposal methods, then drain {@link RaftCore.ready}
 * and honour its contract (persist, then send, then apply).
 *
 * @example
 * const core = new RaftCore({ id: "a" }, { initialConf: { voters: ["a"], learners: [] } });
 * core.campaign();
 * const rd = core.ready(); // persist rd.entries + rd.hardState, send rd.messages, apply rd.committedEntries
 */
export class RaftCore {
  readonly id: NodeId;
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly leaseRead: boolean;
  readonly #maxInflight: number;
  readonly #maxApplyBatch: number;
  readonly #rng: Rng;

  term = 0;
  vote: NodeId | null = null;
  leader: NodeId | null = null;
  role: Role = "follower";
  commit = 0;
  applied = 0;
  /**
   * While true, {@link RaftCore.ready} hands out no committed entries (they stay committed, and `applied`
   * stays put): the state machine is being snapshotted at `applied`. Everything else — persisting,
   * replication, elections — goes on. A snapshot received from the leader still moves `applied`.
   */
  applyHeld = false;

  readonly #log: RaftLog;
  #conf: ConfState = { voters: [], learners: [] };
  readonly #prs: ProgressTracker;
  #electionElapsed = 0;
  #heartbeatElapsed = 0;
  #randomizedElectionTimeout = 0;
  #now = 0;
  #leadTransferee: NodeId | null = null;
  #timeoutNowSent = false;
  #pendingConfIndex = 0;
  readonly #reads: LeaderReads;
  #msgs: Message[] = [];
  readonly #readyTracker: ReadyTracker;
  readonly #snapshotReceiver = new SnapshotReceiver();
  readonly #replicator: Replicator;

  constructor(options: RaftCoreOptions, state: RaftCoreState = {}) {
    const o = resolveRaftCoreOptions(options);
    this.id = o.id;
    this.electionTick = o.electionTick;
    this.heartbeatTick = o.heartbeatTick;
    this.preVote = o.preVote;
    this.checkQuorum = o.checkQuorum;
    this.leaseRead = o.leaseRead;
    this.#maxInflight = o.maxInflight;
    this.#maxApplyBatch = o.maxApplyBatch;
    this.#rng = new Rng(o.seed);
    this.#prs = new ProgressTracker(this.id);

    const recovered = recoverCore(state, this.#prs, o.logCacheBytes);
    const fresh = recovered.fresh;
    this.#log = recovered.log;
    this.#conf = recovered.conf;
    this.term = recovered.term;
    this.vote = recovered.vote;
    this.commit = recovered.commit;
    this.applied = recovered.applied;
    this.#reads = new LeaderReads(this.id, this.#prs, this.leaseRead, this.electionTick);
    this.#replicator = new Replicator(
      this.id,
      this.#log,
      this.#prs,
      {
        maxInflight: o.maxInflight,
        maxEntriesPerMsg: o.maxEntriesPerMsg,
        maxBytesPerMsg: o.maxBytesPerMsg,
        chunkSize: o.snapshotChunkSize,
      },
      (m) => this.#send(m),
    );
    this.#readyTracker = new ReadyTracker(
      { term: fresh ? 0 : this.term, vote: this.vote, commit: fresh ? 0 : this.commit },
      { role: this.role, leader: this.leader, term: this.term },
    );
    this.#resetRandomizedElectionTimeout();
  }

  // ---------------------------------------------------------------- log

  /** Index of the last log entry. */
  lastIndex(): number {
    return this.#log.lastIndex();
  }
  /** Term of the last log entry. */
  lastTerm(): number {
    return this.#log.lastTerm();
  }
  /** Index of the first entry still in the log (entries before it are in the snapshot). */
  firstIndex(): number {
    return this.#log.firstIndex();
  }
  /** Term of the entry at `i`, or undefined when compacted or beyond the log. */
  termAt(i: number): number | undefined {
    return this.#log.termAt(i);
  }
  /** Entries in [lo, hi]; lo must be > the snapshot index. Older entries are read from storage. */
  entriesBetween(lo: number, hi: number): Entry[] {
    return this.#log.slice(lo, hi);
  }
  #commitTo(c: number): void {
    if (c > this.commit) this.commit = Math.min(c, this.lastIndex());
  }

  /**
   * The latest local snapshot (created with {@link RaftCore.compact} or received from a leader). With a
   * storage that reads snapshots back, its bytes are read from there: null until storage has it.
   */
  snapshot(): Snapshot | null {
    return this.#log.readSnapshot() ?? null;
  }

  // ---------------------------------------------------------------- membership

  /** The applied membership. */
  conf(): ConfState {
    return this.#conf;
  }
  #setConf(conf: ConfState): void {
    this.#conf = conf;
    this.#prs.setConf(conf, this.lastIndex(), this.#log.stableIndex());
  }
  #applyConf(cc: ConfChange): void {
    this.#setConf(applyConfChange(this.#conf, cc));
    if (this.role !== "leader") return;
    if (this.#leadTransferee !== null && !this.#prs.isVoter(this.#leadTransferee)) this.#abortTransfer();
    if (!this.#prs.isVoter(this.id)) {
      // A removed leader hands over to nobody in particular; the remaining voters elect a new leader.
      this.#becomeFollower(this.term, null);
      return;
    }
    if (this.#maybeCommit()) this.#bcastAppend();
  }
  /** Whether this node may campaign (it is a voter of the applied membership). */
  promotable(): boolean {
    return this.#prs.isVoter(this.id);
  }

  /** Replication progress of a peer, as the leader sees it (undefined on followers or unknown peers). */
  progress(id: NodeId): { match: number; next: number; state: ProgressState } | undefined {
    if (this.role !== "leader") return undefined;
    const pr = this.#prs.get(id);
    return pr ? { match: pr.match, next: pr.next, state: pr.state } : undefined;
  }

  // ---------------------------------------------------------------- role changes

  #resetRandomizedElectionTimeout(): void {
    this.#randomizedElectionTimeout = this.electionTick + this.#rng.int(0, this.electionTick);
  }
  #reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = null;
    }
    this.leader = null;
    this.#electionElapsed = 0;
    this.#heartbeatElapsed = 0;
    this.#resetRandomizedElectionTimeout();
    this.#abortTransfer();
    this.#prs.resetVotes();
    this.#prs.resetProgress(this.lastIndex(), this.#log.stableIndex());
    this.#replicator.releaseSnapshot();
    this.#pendingConfIndex = 0;
    this.#reads.reset();
  }
  #becomeFollower(term: number, leader: NodeId | null): void {
    this.#reset(term);
    this.role = "follower";
    this.leader = leader;
  }
  #becomePreCandidate(): void {
    this.#prs.resetVotes();
    this.role = "precandidate";
    this.leader = null;
    this.#electionElapsed = 0;
    this.#resetRandomizedElectionTimeout();
  }
  #becomeCandidate(): void {
    this.#reset(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
  }
  #becomeLeader(): void {
    this.#reset(this.term);
    this.role = "leader";
    this.leader = this.id;
    this.#prs.resetRecentActive();
    const index = this.lastIndex() + 1;
    this.#appendLocal([{ index, term: this.term, type: EntryType.Normal, data: new Uint8Array(0) }]);
    // Membership changes wait until the leader has committed an entry of its own term (the fix to the
    // single-server change bug found after the dissertation).
    this.#pendingConfIndex = index;
  }

  #quorum(): number {
    return this.#prs.quorum();
  }

  /** Starts an election now (as if the election timeout elapsed). */
  campaign(): void {
    if (this.role === "leader" || !this.promotable()) return;
    if (this.#hasUnappliedConf()) return;
    this.#campaign(this.preVote ? "pre" : "vote", false);
  }
  #hasUnappliedConf(): boolean {
    return this.#log.confChangesIn(this.applied + 1, this.commit).length > 0;
  }
  #campaign(kind: "pre" | "vote", force: boolean): void {
    if (kind === "pre") this.#becomePreCandidate();
    else this.#becomeCandidate();
    const voteTerm = kind === "pre" ? this.term + 1 : this.term;
    this.#prs.recordVote(this.id, true);
    if (this.#prs.tally().granted >= this.#quorum()) {
      if (kind === "pre") this.#campaign("vote", force);
      else this.#becomeLeader();
      return;
    }
    for (const id of this.#prs.voters) {
      if (id === this.id) continue;
      this.#send({
        type: kind === "pre" ? "prevote" : "vote",
        to: id,
        term: voteTerm,
        index: this.lastIndex(),
        logTerm: this.lastTerm(),
        ...(force ? { force: true } : {}),
      });
    }
  }
  // ---------------------------------------------------------------- ticks

  /** Advances logical time by one tick. */
  tick(): void {
    this.#now++;
    if (this.role === "leader") this.#tickHeartbeat();
    else this.#tickElection();
  }
  #tickElection(): void {
    this.#electionElapsed++;
    if (this.promotable() && this.#electionElapsed >= this.#randomizedElectionTimeout) {
      this.#electionElapsed = 0;
      this.campaign();
    }
  }
  #tickHeartbeat(): void {
    this.#heartbeatElapsed++;
    this.#electionElapsed++;
    if (this.#electionElapsed >= this.electionTick) {
      this.#electionElapsed = 0;
      if (this.checkQuorum) {
        if (!this.#prs.quorumActive()) {
          this.#becomeFollower(this.term, null);
          return;
        }
        this.#prs.resetRecentActive();
      }
      if (this.#leadTransferee !== null) this.#abortTransfer();
    }
    if (this.role !== "leader") return;
    if (this.#heartbeatElapsed >= this.heartbeatTick) {
      this.#heartbeatElapsed = 0;
      this.#bcastHeartbeat(this.#reads.lastPendingContext());
    }
  }

  // ---------------------------------------------------------------- sending

  #send(m: OutgoingMessage): void {
    this.#msgs.push({ ...m, from: this.id, term: m.term ?? this.term } as Message);
  }
  #bcastAppend(): void {
    this.#replicator.bcastAppend(this.commit);
  }
  #bcastHeartbeat(context?: number): void {
    this.#replicator.bcastHeartbeat(this.commit, this.#now, context);
  }
  #sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    return this.#replicator.sendAppend(to, this.commit, sendIfEmpty);
  }

  // ---------------------------------------------------------------- proposals

  /**
   * Appends to the leader's log. Its own progress does not move: the entries count towards the commit
   * quorum once {@link RaftCore.advance} reports them durable, while followers may already store them.
   */
  #appendLocal(entries: Entry[]): void {
    this.#log.append(entries, this.commit);
  }

  /**
   * Appends application commands to the leader's log. Returns the indexes they will occupy, or why they
   * were refused.
   */
  propose(
    commands: Uint8Array[],
  ): { first: number; last: number; term: number } | { refused: ProposeRefusal } {
    if (this.role !== "leader") return { refused: "notLeader" };
    if (this.#leadTransferee !== null) return { refused: "transferring" };
    const first = this.lastIndex() + 1;
    this.#appendLocal(
      commands.map((data, i) => ({ index: first + i, term: this.term, type: EntryType.Normal, data })),
    );
    this.#bcastAppend();
    return { first, last: this.lastIndex(), term: this.term };
  }

  /** Proposes one membership change; only one may be pending (uncommitted or unapplied) at a time. */
  proposeConfChange(cc: ConfChange): { index: number; term: number } | { refused: ProposeRefusal } {
    if (this.role !== "leader") return { refused: "notLeader" };
    if (this.#leadTransferee !== null) return { refused: "transferring" };
    if (this.#pendingConfIndex > this.applied) return { refused: "confChangePending" };
    if (cc.type === "bootstrap") return { refused: "invalidConfChange" };
    const next = applyConfChange(this.#conf, cc);
    if (next.voters.length === 0) return { refused: "invalidConfChange" };
    const index = this.lastIndex() + 1;
    this.#appendLocal([{ index, term: this.term, type: EntryType.ConfChange, data: encodeConfChange(cc) }]);
    this.#pendingConfIndex = index;
    this.#bcastAppend();
    return { index, term: this.term };
  }

  /**
   * Starts a ReadIndex round identified by `context`; a {@link ReadState} with that context appears in a
   * later `ready()` once leadership is confirmed. Returns false when not the leader.
   */
  readIndex(context: number): boolean {
    if (this.role !== "leader") return false;
    if (this.termAt(this.commit) !== this.term) {
      // The commit index of a new leader is only known once an entry of its term commits.
      this.#reads.wait(context);
      return true;
    }
    this.#startRead(context);
    return true;
  }
  #startRead(context: number): void {
    if (this.#reads.start(context, this.commit, this.#now, this.#timeoutNowSent))
      this.#bcastHeartbeat(context);
  }

  /** Asks the leader to hand leadership to `to` (a voter). Returns false when not possible. */
  transferLeadership(to: NodeId): boolean {
    if (this.role !== "leader" || !this.#prs.isVoter(to)) return false;
    if (to === this.id) return true;
    if (this.#leadTransferee === to) return true;
    this.#abortTransfer();
    this.#leadTransferee = to;
    this.#electionElapsed = 0;
    const pr = this.#prs.get(to)!;
    if (pr.match === this.lastIndex()) this.#sendTimeoutNow(to);
    else this.#sendAppend(to, true);
    return true;
  }
  #sendTimeoutNow(to: NodeId): void {
    this.#timeoutNowSent = true;
    this.#send({ type: "timeoutNow", to });
  }
  #abortTransfer(): void {
    this.#leadTransferee = null;
    this.#timeoutNowSent = false;
  }
  /** The node leadership is being transferred to, if any. */
  leadTransferee(): NodeId | null {
    return this.#leadTransferee;
  }

  // ---------------------------------------------------------------- commit

  #maybeCommit(): boolean {
    if (this.role !== "leader") return false;
    const q = this.#prs.committed();
    // §5.4.2: only entries of the current term are committed by counting replicas.
    if (q > this.commit && this.termAt(q) === this.term) {
      this.commit = q;
      for (const c of this.#reads.takeWaiting()) this.#startRead(c);
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- step

  /** Processes one message from a peer. */
  step(m: Message): void {
    if (m.to !== this.id) return;
    if (m.term > this.term) {
      if (m.type === "prevote" || m.type === "vote") {
        const inLease = inLeaderLease({
          checkQuorum: this.checkQuorum,
          leaseRead: this.leaseRead,
          leader: this.leader,
          electionElapsed: this.#electionElapsed,
          electionTick: this.electionTick,
          now: this.#now,
        });
        if (!m.force && inLease) return;
      }
      const transition = higherTermTransition(m);
      if (transition !== "keep") this.#becomeFollower(m.term, transition === "followSender" ? m.from : null);
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === "heartbeat" || m.type === "app")) {
        // Tells a stale leader about the newer term so it steps down instead of disrupting us later.
        this.#send({ type: "appResp", to: m.from });
      } else if (m.type === "prevote") {
        this.#send({ type: "prevoteResp", to: m.from, reject: true });
      }
      return;
    }

    if (m.type === "prevote" || m.type === "vote") {
      const { reply, granted } = answerVote(this.#log, this, m);
      this.#send(reply);
      if (granted && m.type === "vote") {
        this.#electionElapsed = 0;
        this.vote = m.from;
      }
      return;
    }

    switch (this.role) {
      case "leader":
        this.#stepLeader(m);
        break;
      case "candidate":
      case "precandidate":
        this.#stepCandidate(m);
        break;
      case "follower":
        this.#stepFollower(m);
        break;
    }
  }

  #stepFollower(m: Message): void {
    switch (m.type) {
      case "app":
        this.#electionElapsed = 0;
        this.leader = m.from;
        this.#handleAppend(m);
        break;
      case "heartbeat":
        this.#electionElapsed = 0;
        this.leader = m.from;
        this.#handleHeartbeat(m);
        break;
      case "snap":
        this.#electionElapsed = 0;
        this.leader = m.from;
        this.#handleSnapshot(m);
        break;
      case "timeoutNow":
        if (this.promotable()) this.#campaign("vote", true);
        break;
      default:
        break;
    }
  }

  #stepCandidate(m: Message): void {
    switch (m.type) {
      case "app":
        this.#becomeFollower(m.term, m.from);
        this.#handleAppend(m);
        break;
      case "heartbeat":
        this.#becomeFollower(m.term, m.from);
        this.#handleHeartbeat(m);
        break;
      case "snap":
        this.#becomeFollower(m.term, m.from);
        this.#handleSnapshot(m);
        break;
      case "prevoteResp":
      case "voteResp": {
        if ((m.type === "prevoteResp") !== (this.role === "precandidate")) return;
        this.#prs.recordVote(m.from, !m.reject);
        const { granted, rejected } = this.#prs.tally();
        if (granted >= this.#quorum()) {
          if (this.role === "precandidate") this.#campaign("vote", false);
          else {
            this.#becomeLeader();
            this.#bcastAppend();
          }
        } else if (rejected >= this.#quorum()) {
          this.#becomeFollower(this.term, null);
        }
        break;
      }
      default:
        break;
    }
  }

  #stepLeader(m: Message): void {
    const pr = this.#prs.get(m.from);
    if (!pr) return;
    switch (m.type) {
      case "appResp": {
        pr.recentActive = true;
        if (m.index === undefined) return;
        if (m.reject) {
          if (appendRejected(this.#log, pr, m)) this.#sendAppend(m.from, true);
          return;
        }
        const wasPaused = pr.state === "probe" && pr.probeSent;
        if (appendAcked(pr, m.index)) {
          if (this.#maybeCommit()) this.#bcastAppend();
          while (this.#sendAppend(m.from, false)) {
            // keep the pipeline full
          }
          if (m.from === this.#leadTransferee && pr.match === this.lastIndex()) this.#sendTimeoutNow(m.from);
        } else if (wasPaused) {
          this.#sendAppend(m.from, false);
        }
        break;
      }
      case "heartbeatResp": {
        heartbeatAcked(pr, m.tick, this.#maxInflight);
        if (pr.state === "snapshot") this.#replicator.sendChunk(m.from, pr);
        else if (pr.match < this.lastIndex()) this.#sendAppend(m.from, true);
        if (m.context !== undefined) this.#reads.ack(m.from, m.context);
        break;
      }
      case "snapResp": {
        pr.recentActive = true;
        if (pr.state !== "snapshot" || m.index !== pr.pendingSnapshot) return;
        pr.snapOffset = m.offset ?? 0;
        this.#replicator.sendChunk(m.from, pr);
        break;
      }
      default:
        break;
    }
  }

  #handleAppend(m: Message): void {
    const { reply, commitTo } = acceptAppend(this.#log, m, this.commit);
    if (commitTo !== undefined) this.#commitTo(commitTo);
    this.#send(reply);
  }

  #handleHeartbeat(m: Message): void {
    this.#commitTo(m.commit ?? 0);
    this.#send({
      type: "heartbeatResp",
      to: m.from,
      ...(m.context !== undefined ? { context: m.context } : {}),
      ...(m.tick !== undefined ? { tick: m.tick } : {}),
    });
  }

  #handleSnapshot(m: Message): void {
    const receipt = this.#snapshotReceiver.receive(m, this.commit);
    if (!receipt) return;
    if ("reply" in receipt) {
      this.#send(receipt.reply);
      return;
    }
    this.#restore(receipt.snapshot);
    this.#send({ type: "appResp", to: m.from, index: this.lastIndex() });
  }

  #restore(snap: Snapshot): void {
    const { index, term } = snap.meta;
    if (this.#log.matchTerm(index, term)) {
      // We already have the log the snapshot covers: just advance the commit index.
      this.#commitTo(index);
      return;
    }
    this.#log.restore(snap);
    this.commit = index;
    this.applied = index;
    this.#setConf(snap.meta.conf);
  }

  // ---------------------------------------------------------------- local snapshots

  /**
   * Records a state machine snapshot taken at the applied index and drops log entries it covers, keeping
   * `keep` entries before it for slow followers.
   */
  compact(data: Uint8Array, keep = 0): Snapshot {
    return this.#log.compact(this.applied, this.#conf, data, keep);
  }
  /**
   * The log index up to which entries were dropped from memory (entries after it are still held). The
   * storage may drop the same prefix.
   */
  compactedIndex(): number {
    return this.#log.compactedIndex();
  }

  // ---------------------------------------------------------------- ready

  /** Whether {@link RaftCore.ready} has anything to hand out. */
  hasReady(): boolean {
    return (
      this.#msgs.length > 0 ||
      this.#reads.hasConfirmed() ||
      this.#log.hasUnstable() ||
      (!this.applyHeld && this.commit > this.applied) ||
      this.#readyTracker.stateChanged(this)
    );
  }

  /** The current durable state. */
  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.commit };
  }

  /**
   * Hands out everything to persist, send and apply, and marks it consumed. The caller MUST persist the
   * snapshot, entries and hard state before sending the messages, and apply committed entries in order.
   */
  ready(): Ready {
    const rd = this.#readyTracker.take(this.#log, this, this.#msgs, this.#reads.takeConfirmed());
    this.#msgs = [];
    // With one or two voters (or a leader that is not one) the followers cannot commit without the
    // leader's own write: waiting for it is then no slower, and keeps a lone node's commit on its own write.
    if (rd.durableLater && !this.#followersFormQuorum()) delete rd.durableLater;
    if (!this.applyHeld && this.commit > this.applied) {
      const hi = Math.min(this.commit, this.applied + this.#maxApplyBatch);
      rd.committedEntries = this.entriesBetween(this.applied + 1, hi);
      this.applied = hi;
      for (const e of rd.committedEntries) {
        if (e.type === EntryType.ConfChange) this.#applyConf(decodeConfChange(e.data));
      }
    }
    return rd;
  }

  /**
   * Reports that `rd` (the latest Ready handed out, or an earlier one) is persisted: its entries are
   * durable here. Call it after the write and before sending `rd.messages`. On the leader this is what
   * counts its own log towards the commit quorum, so a leader that is never advanced commits only with a
   * majority of followers (and a single node never commits).
   */
  advance(rd: Ready): void {
    if (rd.snapshot) this.#log.stableTo(rd.snapshot.meta.index, rd.snapshot.meta.term);
    const last = rd.entries[rd.entries.length - 1];
    if (last) this.#log.stableTo(last.index, last.term);
    if (this.role !== "leader") return;
    const self = this.#prs.get(this.id);
    if (self?.maybeUpdate(this.#log.stableIndex()) && this.#maybeCommit()) this.#bcastAppend();
  }

  /** Whether the voters other than this node are a quorum on their own (three voters or more). */
  #followersFormQuorum(): boolean {
    const voters = this.#prs.voters;
    return voters.size - (voters.has(this.id) ? 1 : 0) >= this.#prs.quorum();
  }

  /** Index up to which this node's log is known durable (what `advance` reported). */
  stableIndex(): number {
    return this.#log.stableIndex();
  }

  /** The log's entries after the snapshot, read from storage where not in memory (for tests and checkers). */
  logEntries(): Entry[] {
    return this.#log.all();
  }
}
