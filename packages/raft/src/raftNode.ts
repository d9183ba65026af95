import { EventEmitter } from "node:events";
import { type RaftClock, systemClock } from "./clock.js";
import { CommitNotices } from "./commitNotices.js";
import { CommittedApplier } from "./committedApplier.js";
import { NotLeaderError, RaftError, RaftErrorCode } from "./errors.js";
import { LeaderSync } from "./leaderSync.js";
import { PendingReads } from "./pendingReads.js";
import { type PendingProposal, ProposalBatch, type QueuedProposal } from "./proposalBatch.js";
import { ProposalTracker } from "./proposalTracker.js";
import { RaftCore } from "./raft.js";
import { abortedError, refusal, settleProposal } from "./raftNodeErrors.js";
import {
  type CommandCodec,
  coreOptions,
  jsonCodec,
  type ProposeOptions,
  type RaftNodeEvents,
  type RaftNodeOptions,
} from "./raftNodeOptions.js";
import { SnapshotPolicy } from "./snapshotPolicy.js";
import { SnapshotScheduler } from "./snapshotScheduler.js";
import { andThen, type Step } from "./steps.js";
import { type RaftStorage, readyUpdate } from "./storage.js";
import { TickWaiters } from "./tickWaiters.js";
import type { RaftTransport } from "./transport.js";
import type { ConfChange, ConfState, Message, NodeId, Ready, Role, SoftState } from "./types.js";
import { writeTrace } from "./writeTrace.js";

export type * from "./raftNodeOptions.js";

/**
 * How long the node's loop runs before it lets the event loop turn: a backlog of committed entries (after
 * a snapshot held applying, or a follower catching up) is applied in slices, not in one stretch.
 */
const sliceMs = 10;
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A Raft node: the deterministic {@link RaftCore} driven by real timers, a transport and a storage.
 *
 * @example
 * const node = await RaftNode.create({
 *   id: "a",
 *   initialMembers: ["a", "b", "c"],
 *   transport, storage, stateMachine: kv,
 * });
 * const result = await node.propose({ op: "put", key: "x", value: "1" });
 * await node.read(); // the local state machine now reflects every write acknowledged before the call
 */
export class RaftNode<C = unknown, R = unknown> extends EventEmitter<RaftNodeEvents> {
  readonly id: NodeId;
  readonly #core: RaftCore;
  readonly #transport: RaftTransport;
  readonly #storage: RaftStorage;
  readonly #codec: CommandCodec<C>;
  readonly #opts: RaftNodeOptions<C, R>;
  readonly #tickMs: number;
  readonly #clock: RaftClock;
  #timer: unknown = null;
  #running = false;
  #kickQueued = false;
  /** How many public methods' calls the current code runs inside ({@link #inCall}). */
  #callDepth = 0;
  #idle: Promise<void> = Promise.resolve();
  #stopped = false;
  readonly #batch = new ProposalBatch((batch) => this.#proposeBatch(batch));
  readonly #proposals: ProposalTracker<PendingProposal>;
  readonly #reads = new PendingReads();
  readonly #snapshots: SnapshotScheduler;
  readonly #applier: CommittedApplier<C, R>;
  readonly #waiters: TickWaiters;
  readonly #notices: CommitNotices;
  #lastSoft: SoftState = { role: "follower", leader: null, term: -1 };
  /** The leader's appends saved unsynced, made durable in the background (when the storage has `sync`). */
  readonly #leaderSync: LeaderSync | null;
  #sliceStarted = 0;

  private constructor(
    opts: RaftNodeOptions<C, R>,
    core: RaftCore,
    policy: SnapshotPolicy,
    notices: CommitNotices,
  ) {
    super();
    this.id = opts.id;
    this.#opts = opts;
    this.#core = core;
    this.#transport = opts.transport;
    this.#storage = opts.storage;
    this.#codec = opts.codec ?? (jsonCodec as CommandCodec<C>);
    this.#tickMs = opts.tickMs ?? 50;
    this.#clock = opts.clock ?? systemClock;
    this.#notices = notices;
    this.#waiters = new TickWaiters(this.#clock, () => this.#stopped);
    this.#snapshots = new SnapshotScheduler(
      core,
      opts.stateMachine,
      opts.storage,
      policy,
      { keep: opts.snapshotKeep ?? 1000, logger: opts.logger },
      { stopped: () => this.#stopped, resume: () => this.#kick(), fail: (error) => this.#fail(error) },
    );
    this.#proposals = new ProposalTracker({ graceTicks: core.electionTick });
    this.#applier = new CommittedApplier(
      {
        core,
        stateMachine: opts.stateMachine,
        codec: this.#codec,
        proposals: this.#proposals,
        snapshots: this.#snapshots,
        reads: this.#reads,
      },
      {
        stopped: () => this.#stopped,
        breathe: () => this.#breathe(),
        membership: (conf) => this.emit("membership", conf),
      },
    );
    const storage = opts.storage;
    this.#leaderSync = storage.sync
      ? new LeaderSync({
          sync: () => storage.sync!(),
          durable: (rd) => core.advance(rd),
          resume: () => this.#kick(),
          stopped: () => this.#stopped,
          fail: (error) => this.#fail(error),
        })
      : null;
  }

  /** Loads durable state, restores the state machine, starts ticking and listening. */
  static async create<C = unknown, R = unknown>(opts: RaftNodeOptions<C, R>): Promise<RaftNode<C, R>> {
    if (opts.snapshotEntries !== undefined && opts.snapshotPolicy !== undefined) {
      throw new RaftError(
        RaftErrorCode.InvalidOption,
        "snapshotEntries (deprecated) and snapshotPolicy cannot be combined: keep snapshotPolicy",
      );
    }
    // Built first so that invalid options fail before storage is read.
    const policy = new SnapshotPolicy(opts.snapshotPolicy, 0, opts.snapshotEntries);
    // Its timer is armed only by the node below, which stops it when the node stops.
    const notices = new CommitNotices(opts.clock ?? systemClock, opts.commitNoticeDelayMs ?? 2, (messages) =>
      node.#send(messages),
    );
    const stored = await opts.storage.load();
    // Entries after the snapshot are applied again at start, and counted then.
    if (stored.snapshot) policy.taken(stored.snapshot.data.length);
    const core = new RaftCore(coreOptions(opts), {
      ...stored,
      storage: opts.storage,
      ...(opts.initialMembers ? { initialConf: { voters: opts.initialMembers, learners: [] } } : {}),
    });
    if (stored.snapshot) await opts.stateMachine.restore(stored.snapshot.data);
    const node = new RaftNode(opts, core, policy, notices);
    await opts.transport.listen(
      (m) => {
        if (node.#stopped) return;
        node.#core.step(m);
        node.#kickSoon();
      },
      () => node.#delivered(),
    );
    node.#scheduleTick();
    node.#kick();
    return node;
  }

  /** Current role. */
  get role(): Role {
    return this.#core.role;
  }
  /** The leader this node believes in. */
  get leader(): NodeId | null {
    return this.#core.leader;
  }
  get term(): number {
    return this.#core.term;
  }
  /** The applied membership. */
  get membership(): ConfState {
    return this.#core.conf();
  }
  /** Highest log index applied to the state machine. */
  get appliedIndex(): number {
    return this.#core.applied;
  }
  get commitIndex(): number {
    return this.#core.commit;
  }

  /**
   * Replicates a command; resolves with the state machine's result once it is committed and applied here.
   * Rejects with {@link NotLeaderError} (carrying the leader hint) on a follower. Every proposal settles:
   * once this node stops leading, within an election timeout it resolves (the new leader's log showed it
   * committed) or rejects with `RAFT_PROPOSAL_DROPPED` (provably never applied), `RAFT_OUTCOME_UNKNOWN` or
   * `RAFT_APPLIED_RESULT_UNKNOWN`. Commands proposed in the same tick of the event loop share one durable
   * write (group commit); the first one proposed to an idle leader goes at once, the rest share the next.
   */
  propose(command: C, options: ProposeOptions = {}): Promise<R> {
    if (this.#stopped) return Promise.reject(new RaftError(RaftErrorCode.Stopped, "node stopped"));
    if (this.#core.role !== "leader") return Promise.reject(new NotLeaderError(this.#core.leader));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortedError(signal, undefined));
    const data = this.#codec.encode(command);
    return new Promise<R>((resolve, reject) => {
      const pending: PendingProposal = { resolve: resolve as (v: unknown) => void, reject };
      const item = { data, pending };
      if (signal) {
        const onAbort = () => this.#abort(item, signal);
        signal.addEventListener("abort", onAbort, { once: true });
        const detach = () => signal.removeEventListener("abort", onAbort);
        pending.resolve = (v) => {
          detach();
          resolve(v as R);
        };
        pending.reject = (e) => {
          detach();
          reject(e);
        };
      }
      // An idle leader (everything in its log committed) proposes at once: a lone write does not wait a
      // turn of the event loop for company that is not coming. Under load the log always has uncommitted
      // entries, and proposals gather into one batch per turn as before.
      this.#inCall(() => this.#batch.add(item, this.#core.commit === this.#core.lastIndex()));
    });
  }

  #abort(item: QueuedProposal, signal: AbortSignal): void {
    if (this.#batch.remove(item)) {
      item.pending.reject(abortedError(signal, undefined));
      return;
    }
    const index = item.pending.index;
    if (index === undefined || this.#proposals.untrack(index) !== item.pending) return;
    item.pending.reject(abortedError(signal, index));
  }

  #proposeBatch(batch: QueuedProposal[]): void {
    if (this.#stopped) {
      for (const b of batch) b.pending.reject(new RaftError(RaftErrorCode.Stopped, "node stopped"));
      return;
    }
    const res = this.#core.propose(batch.map((b) => b.data));
    if ("refused" in res) {
      const err = refusal(res.refused, this.#core.leader);
      for (const b of batch) b.pending.reject(err);
      return;
    }
    writeTrace?.("proposal", res.first + batch.length - 1);
    batch.forEach((b, i) => {
      b.pending.index = res.first + i;
      this.#proposals.track(res.first + i, res.term, b.pending);
    });
    this.#kick();
  }

  /**
   * Waits until the local state machine reflects every write committed before the call (ReadIndex, or
   * the leader lease with `leaseRead`), then runs `query` against it. Only the leader serves reads.
   */
  async read<T = void>(query?: () => T | Promise<T>): Promise<T> {
    if (this.#stopped) throw new RaftError(RaftErrorCode.Stopped, "node stopped");
    if (this.#core.role !== "leader") throw new NotLeaderError(this.#core.leader);
    await new Promise<unknown>((resolve, reject) => {
      this.#core.readIndex(this.#reads.add({ resolve, reject }));
      this.#inCall(() => this.#kick());
    });
    return (query ? await query() : undefined) as T;
  }

  /** Hands leadership to `to`; resolves once `to` leads. */
  async transferLeadership(to: NodeId): Promise<void> {
    if (this.#core.role !== "leader") throw new NotLeaderError(this.#core.leader);
    if (!this.#core.transferLeadership(to)) {
      throw new RaftError(RaftErrorCode.InvalidConfChange, `${to} is not a voter`);
    }
    this.#inCall(() => this.#kick());
    await this.#waiters.waitFor(
      () => this.#core.leader === to,
      this.#tickMs * (this.#core.electionTick * 2 + 2),
    );
  }

  /** Adds a non-voting learner; resolves when the change is applied here. */
  addLearner(id: NodeId): Promise<void> {
    return this.#confChange({ type: "addLearner", id });
  }

  /**
   * Adds a voter safely: as a learner first, promoted once it has caught up with the leader (so a new,
   * empty node never weakens the quorum while it copies the log).
   */
  async addVoter(id: NodeId): Promise<void> {
    const conf = this.#core.conf();
    if (conf.voters.includes(id)) return;
    if (!conf.learners.includes(id)) await this.addLearner(id);
    const gap = this.#opts.catchUpGap ?? 100;
    await this.#waiters.waitFor(() => {
      const pr = this.#core.progress(id);
      if (this.#core.role !== "leader") throw new NotLeaderError(this.#core.leader);
      return pr !== undefined && pr.match + gap >= this.#core.commit && pr.state === "replicate";
    }, this.#opts.operationTimeoutMs ?? 30_000);
    await this.#confChange({ type: "addVoter", id });
  }

  /** Removes a voter or learner (possibly this node: a removed leader steps down). */
  removeMember(id: NodeId): Promise<void> {
    return this.#confChange({ type: "remove", id });
  }

  #confChange(cc: ConfChange): Promise<void> {
    if (this.#stopped) return Promise.reject(new RaftError(RaftErrorCode.Stopped, "node stopped"));
    const res = this.#core.proposeConfChange(cc);
    if ("refused" in res) return Promise.reject(refusal(res.refused, this.#core.leader));
    const applied = new Promise<void>((resolve, reject) => {
      this.#proposals.track(res.index, res.term, { index: res.index, resolve: () => resolve(), reject });
    });
    this.#inCall(() => this.#kick());
    return applied;
  }

  #scheduleTick(): void {
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#stopped) return;
      // Rescheduled before the work, as an interval would be, so a slow tick does not stretch the next.
      this.#scheduleTick();
      this.#core.tick();
      for (const s of this.#proposals.tick()) settleProposal(s);
      this.#waiters.check();
      this.#kick();
    }, this.#tickMs);
  }

  /**
   * Runs the loop on the next tick, after the transport's current run of deliveries: every message of the
   * run is stepped first and handled as one Ready (one durable write for a burst of appends). A transport
   * that reports the end of the run ({@link RaftTransport.listen}'s `delivered`) has it handled at once.
   */
  #kickSoon(): void {
    if (this.#kickQueued) return;
    this.#kickQueued = true;
    process.nextTick(() => this.#delivered());
  }

  /**
   * The transport delivered its current run of messages: handle them now, inside its callback — before the
   * socket stream's own work after it, which an acknowledgement would otherwise wait behind.
   */
  #delivered(): void {
    if (!this.#kickQueued) return;
    this.#kickQueued = false;
    this.#kick();
  }

  #kick(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    this.#idle = this.#loop();
  }

  async #loop(): Promise<void> {
    this.#sliceStarted = performance.now();
    try {
      while (!this.#stopped && this.#core.hasReady()) {
        // Awaited only when a step really is asynchronous: with a synchronous storage and state machine a
        // Ready is handled within this call, so a follower's acknowledgement leaves the moment its write
        // returns rather than after the socket's own next-tick work, which an `await` would queue it behind.
        const handled = this.#handle(this.#core.ready());
        if (handled) await handled;
        const breath = this.#breathe();
        if (breath) await breath;
      }
    } catch (error) {
      await this.#fail(error);
    } finally {
      this.#running = false;
    }
    if (!this.#stopped && this.#core.hasReady()) this.#kick();
  }

  /** Lets the event loop turn once the loop has run for {@link sliceMs}; undefined while it need not. */
  #breathe(): Promise<void> | undefined {
    if (performance.now() - this.#sliceStarted < sliceMs) return undefined;
    return yieldTurn().then(() => {
      this.#sliceStarted = performance.now();
    });
  }

  async #fail(error: unknown): Promise<void> {
    if (this.#stopped) return;
    const err =
      error instanceof RaftError
        ? error
        : new RaftError(RaftErrorCode.Storage, "raft node failed", { cause: error });
    this.#opts.logger?.warn("raft node stopping after a fatal error", { error: String(error) });
    await this.#shutdown(err);
    if (this.listenerCount("error") > 0) this.emit("error", err);
  }

  /** Persists, sends and applies one Ready, in the order its contract asks; a promise only if a step is async. */
  #handle(rd: Ready): Step {
    if (rd.softState) {
      const s = rd.softState;
      const prev = this.#lastSoft;
      this.#lastSoft = s;
      if (prev.role !== s.role) this.emit("role", s.role);
      if (prev.leader !== s.leader) this.emit("leader", s.leader);
      if (prev.term !== s.term) this.emit("term", s.term);
      if (s.role !== "leader") {
        this.#reads.rejectAll(new NotLeaderError(s.leader));
        this.#notices.clear();
      }
      this.#proposals.observe({ softState: s });
    }
    const leaderSync = this.#leaderSync;
    let handled: Step;
    if (rd.mustSync && rd.durableLater && leaderSync) {
      // The leader replicates while its own write becomes durable in the background (thesis §10.2.1): a
      // quorum of followers commits without it, so this node keeps reading their acknowledgements meanwhile
      // instead of blocking on its fsync; its own log joins the quorum when `advance` reports the sync.
      this.#send(rd.earlyMessages);
      handled = andThen(this.#storage.save(readyUpdate(rd, true)), () => {
        if (this.#stopped) return;
        leaderSync.add(rd);
        return this.#apply(rd);
      });
    } else if (rd.mustSync) {
      // The leader replicates while it writes its own log (thesis §10.2.1); the rest waits for the write.
      this.#send(rd.earlyMessages);
      writeTrace?.("followerWriteStart", rd.entries.at(-1)?.index ?? 0);
      handled = andThen(this.#write(rd), () => {
        writeTrace?.("followerFsyncDone", rd.entries.at(-1)?.index ?? 0);
        if (this.#stopped) return;
        this.#core.advance(rd);
        this.#send(rd.messages);
        return this.#apply(rd);
      });
    } else {
      // Nothing here has to be on disk first (at most the commit index moved): answer the proposers, then
      // tell the other nodes (commit notices a moment later), then hand the commit index to the storage,
      // which may keep it in memory (volatile state, Raft Figure 2).
      handled = andThen(this.#apply(rd), () => {
        if (this.#stopped) return;
        this.#send(this.#notices.hold(rd.earlyMessages));
        this.#send(rd.messages);
        return andThen(this.#write(rd), () => {
          if (!this.#stopped) this.#core.advance(rd);
        });
      });
    }
    return andThen(handled, () => this.#snapshots.maybeStart());
  }

  /**
   * Runs `f` (which may run the node's loop) as part of a public method's call: the loop may send and write
   * before the method returns, but applies only a microtask later ({@link #apply}).
   */
  #inCall(f: () => void): void {
    this.#callDepth++;
    try {
      f();
    } finally {
      this.#callDepth--;
    }
  }

  /**
   * Applies a Ready's committed entries: at once, unless the loop runs inside a public method's call. A
   * state machine's `apply`, and the continuations of the proposers it answers, never run inside a caller's
   * `propose()` or `read()` (a single node commits within its own write): callers may rely on that order.
   */
  #apply(rd: Ready): Step {
    if (this.#callDepth === 0) return this.#applier.apply(rd);
    return Promise.resolve().then(() => this.#applier.apply(rd));
  }

  /** Every message leaves through here, so that held commit notices it makes redundant are dropped. */
  #send(messages: Message[]): void {
    if (messages.length === 0) return;
    this.#notices.sending(messages);
    this.#transport.send(messages);
  }

  #write(rd: Ready): Step {
    if (!rd.snapshot && rd.entries.length === 0 && !rd.hardState) return;
    return this.#storage.save(readyUpdate(rd));
  }

  async #shutdown(reason: RaftError): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#notices.clear();
    for (const p of this.#proposals.clear()) p.reject(reason);
    for (const b of this.#batch.takeAll()) b.pending.reject(reason);
    this.#reads.rejectAll(reason);
    this.#waiters.check();
    await this.#transport.close();
  }

  /**
   * Stops ticking and processing, waits for an in-flight durable write to finish, rejects pending
   * operations with code RAFT_STOPPED, and closes the transport and the storage.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    await this.#shutdown(new RaftError(RaftErrorCode.Stopped, "node stopped"));
    await this.#idle;
    // A background sync still running finishes before the storage closes its file.
    await this.#leaderSync?.idle();
    // A snapshot write in progress finishes before the storage closes (an encode still running is dropped).
    await this.#snapshots.writeDone();
    await this.#storage.close?.();
  }
}
