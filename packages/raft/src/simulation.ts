import { checkKvHistory, type KvOperation } from "./linearizability.js";
import { MessageHeap } from "./messageHeap.js";
import { ProposalTracker, type SettledProposal } from "./proposalTracker.js";
import { RaftCore, type RaftCoreOptions } from "./raft.js";
import { Rng } from "./rng.js";
import { firstUndurableCommit, logMatchingViolation } from "./simulationChecks.js";
import { decodeKv, decodeKvCommand, encodeKv, encodeKvCommand, entryKey } from "./simulationKv.js";
import { SimulationFailure, type SimulationOptions, type SimulationResult } from "./simulationOptions.js";
import { MemoryStorage } from "./storage.js";
import { EntryType, type Message, type NodeId, type Ready } from "./types.js";

export type { SimulationOptions, SimulationResult } from "./simulationOptions.js";
export { SimulationFailure } from "./simulationOptions.js";

const TICK = 10;

interface ClientOp {
  client: number;
  record: KvOperation;
  node: NodeId;
  index?: number;
  term?: number;
  context?: number;
  deadline: number;
}

interface SimNode {
  id: NodeId;
  core: RaftCore | null;
  storage: MemoryStorage;
  kv: Map<string, string>;
  phase: number;
  restartAt: number;
  reads: { context: number; index: number }[];
  /** The node's pending client writes, settled by the same tracker RaftNode uses. */
  proposals: ProposalTracker<ClientOp>;
  /** The Ready whose durable write is in progress (until `doneAt`); the next Ready waits for it. */
  writing: { rd: Ready; doneAt: number } | null;
  /** A snapshot of the state at `index` still encoding (until `doneAt`): applying is held meanwhile. */
  snapshotting: { index: number; keep: number; doneAt: number } | null;
}

/**
 * A deterministic simulation of a Raft cluster: every node's {@link RaftCore} in one process, a virtual
 * clock, a seeded network that delays, drops, duplicates, reorders and partitions messages, crashes that
 * keep only what was persisted, membership changes, compaction and snapshot transfer — with safety
 * invariants checked after every step and the client history checked for linearizability at the end.
 */
export class Simulation {
  readonly seed: number;
  readonly #rng: Rng;
  readonly #opts: Required<SimulationOptions>;
  readonly #nodes = new Map<NodeId, SimNode>();
  readonly #net = new MessageHeap();
  #seq = 0;
  #now = 0;
  #faulty: boolean;
  #partition: Map<NodeId, number> | null = null;
  #dropRate = 0;
  #dupRate = 0;
  readonly #leaderOfTerm = new Map<number, NodeId>();
  readonly #committed: string[] = [""];
  #highestCommit = 0;
  readonly #history: KvOperation[] = [];
  readonly #clients: (ClientOp | null)[] = [null, null, null, null, null];
  readonly #preVote: boolean;
  readonly #checkQuorum: boolean;
  readonly #intensity: number;
  #clientLeaderHint: NodeId | null = null;
  #nextValue = 0;
  #nextContext = 0;
  readonly #trace: string[] = [];
  readonly #stats: SimulationResult;

  constructor(options: SimulationOptions) {
    this.#opts = {
      duration: 6000,
      voters: 3,
      spares: 2,
      faults: true,
      leaseRead: false,
      trace: false,
      ...options,
    };
    this.seed = options.seed;
    this.#rng = new Rng(options.seed);
    this.#faulty = this.#opts.faults;
    // Vary the protocol options and the fault intensity per seed: pre-vote and check-quorum hide some
    // bugs (stale leaders step down early), so runs without them exercise divergent logs harder.
    this.#preVote = this.#opts.leaseRead || this.#rng.chance(0.6);
    this.#checkQuorum = this.#opts.leaseRead || this.#rng.chance(0.6);
    this.#intensity = 0.5 + this.#rng.next() * 2.5;
    this.#stats = {
      seed: options.seed,
      committed: 0,
      leaders: 0,
      crashes: 0,
      snapshotsSent: 0,
      confChanges: 0,
      operations: 0,
      acknowledgedWrites: 0,
      reads: 0,
      settled: { applied: 0, appliedResultUnknown: 0, dropped: 0, unknown: 0 },
      leaderCrashesBeforeFsync: 0,
      commitsBeforeLeaderFsync: 0,
      slowSnapshots: { committedMeanwhile: 0, superseded: 0 },
    };
    const founders: NodeId[] = [];
    for (let i = 1; i <= this.#opts.voters; i++) founders.push(`n${i}`);
    const all = [...founders];
    for (let i = 1; i <= this.#opts.spares; i++) all.push(`n${this.#opts.voters + i}`);
    for (const id of all) {
      const node: SimNode = {
        id,
        core: null,
        storage: new MemoryStorage(),
        kv: new Map(),
        phase: this.#rng.int(0, TICK),
        restartAt: 0,
        reads: [],
        proposals: new ProposalTracker(),
        writing: null,
        snapshotting: null,
      };
      this.#nodes.set(id, node);
      this.#start(node, founders.includes(id) ? founders : null);
    }
  }

  #log(s: string): void {
    if (this.#opts.trace) this.#trace.push(`t=${this.#now} ${s}`);
  }
  #fail(reason: string): never {
    throw new SimulationFailure(this.seed, this.#now, reason, this.#trace);
  }

  #coreOptions(id: NodeId): RaftCoreOptions {
    return {
      id,
      electionTick: 10,
      heartbeatTick: 2,
      seed: this.#rng.int(1, 2 ** 31),
      maxInflight: 8,
      maxEntriesPerMsg: 5,
      snapshotChunkSize: 64,
      // A few entries: followers that lag and the state machine read older entries back from storage.
      logCacheBytes: 1024,
      leaseRead: this.#opts.leaseRead,
      preVote: this.#preVote,
      checkQuorum: this.#checkQuorum,
    };
  }

  #start(node: SimNode, founders: NodeId[] | null): void {
    const stored = { ...node.storage.load(), storage: node.storage };
    const state = founders ? { ...stored, initialConf: { voters: founders, learners: [] } } : stored;
    node.core = new RaftCore(this.#coreOptions(node.id), state);
    node.kv = stored.snapshot ? decodeKv(stored.snapshot.data) : new Map();
    node.reads = [];
    node.proposals = new ProposalTracker({ graceTicks: node.core.electionTick });
    this.#process(node);
  }

  #crash(node: SimNode): void {
    this.#log(`crash ${node.id}`);
    // A write in progress is lost; if it was a leader's, its followers may hold entries its disk does not.
    if (node.writing?.rd.earlyMessages.some((m) => (m.entries?.length ?? 0) > 0))
      this.#stats.leaderCrashesBeforeFsync++;
    node.writing = null;
    node.snapshotting = null;
    node.core = null;
    node.reads = [];
    node.restartAt = this.#now + this.#rng.int(50, 800);
    this.#stats.crashes++;
    for (let c = 0; c < this.#clients.length; c++) {
      const op = this.#clients[c];
      if (op && op.node === node.id) this.#abandon(c);
    }
  }

  #abandon(c: number): void {
    const op = this.#clients[c]!;
    this.#clients[c] = null;
    if (op.record.kind === "put") this.#history.push({ ...op.record, returnedAt: Infinity });
  }

  /** Runs the scenario; throws {@link SimulationFailure} when an invariant breaks. */
  run(): SimulationResult {
    const end = this.#opts.duration;
    const settle = end + 3000;
    for (this.#now = 1; this.#now <= settle; this.#now++) {
      if (this.#now === end) this.#heal();
      this.#deliver();
      for (const node of this.#nodes.values()) {
        const w = node.writing;
        if (w && w.doneAt <= this.#now) {
          node.writing = null;
          if (this.#finishWrite(node, w.rd)) this.#process(node);
        }
        if (node.core === null) {
          if (this.#now >= node.restartAt) {
            this.#log(`restart ${node.id}`);
            this.#start(node, null);
          }
          continue;
        }
        if (node.snapshotting && node.snapshotting.doneAt <= this.#now) this.#finishSnapshot(node);
        // Processing the Readys after the snapshot may have crashed the node (a crash before fsync).
        if (node.core === null) continue;
        if ((this.#now + node.phase) % TICK === 0) {
          node.core.tick();
          for (const s of node.proposals.tick()) this.#settleWrite(node, s);
          this.#process(node);
        }
      }
      if (this.#faulty) this.#injectFaults();
      if (this.#now < end - 500 || this.#clients.some((c) => c !== null)) this.#runClients();
      if (this.#now % 50 === 0) this.#checkLogMatching();
    }
    this.#checkLogMatching();
    this.#checkDurable();
    this.#checkConverged();
    for (const node of this.#nodes.values()) {
      // Every proposal settles: after healing, each node either still leads the proposal's term (and then
      // commits it) or stopped leading it more than an election timeout ago.
      if (node.core && node.proposals.size > 0)
        this.#fail(`${node.id} has ${node.proposals.size} proposals that never settled`);
    }
    for (let c = 0; c < this.#clients.length; c++) if (this.#clients[c]) this.#abandon(c);
    const lin = checkKvHistory(this.#history);
    if (!lin.ok) this.#fail(`client history is not linearizable (key ${lin.badKey})`);
    this.#stats.committed = this.#highestCommit;
    this.#stats.leaders = this.#leaderOfTerm.size;
    return this.#stats;
  }

  #heal(): void {
    this.#faulty = false;
    this.#partition = null;
    this.#dropRate = 0;
    this.#dupRate = 0;
    for (const node of this.#nodes.values()) {
      if (node.core === null) node.restartAt = Math.min(node.restartAt, this.#now + 1);
    }
  }

  #injectFaults(): void {
    const r = this.#rng;
    const k = this.#intensity;
    if (r.chance(0.002 * k)) {
      const up = [...this.#nodes.values()].filter((n) => n.core !== null);
      if (up.length > 1) this.#crash(r.pick(up));
    }
    if (r.chance(0.002 * k)) {
      const ids = [...this.#nodes.keys()];
      // Often isolate the current leader with a minority so it keeps accepting (doomed) proposals.
      const leader = this.#leader();
      this.#partition = new Map(ids.map((id) => [id, r.int(0, 3)]));
      if (leader && r.chance(0.5)) this.#partition.set(leader.id, 3);
      this.#log(`partition ${JSON.stringify([...this.#partition])}`);
    }
    if (this.#partition && r.chance(0.003 * k)) {
      this.#partition = null;
      this.#log("heal");
    }
    if (r.chance(0.002)) {
      this.#dropRate = r.chance(0.5) ? 0 : r.next() * 0.2;
      this.#dupRate = r.chance(0.5) ? 0 : r.next() * 0.1;
    }
    if (r.chance(0.003)) this.#changeMembership();
  }

  #leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.#nodes.values()) {
      if (n.core?.role === "leader" && (!best || n.core.term > best.core!.term)) best = n;
    }
    return best;
  }

  #changeMembership(): void {
    const leader = this.#leader();
    if (!leader) return;
    const core = leader.core!;
    const conf = core.conf();
    const r = this.#rng;
    const all = [...this.#nodes.keys()];
    const outsiders = all.filter((id) => !conf.voters.includes(id) && !conf.learners.includes(id));
    const choice = r.int(0, 4);
    let res: ReturnType<RaftCore["proposeConfChange"]> | undefined;
    if (choice === 0 && outsiders.length > 0)
      res = core.proposeConfChange({ type: "addLearner", id: r.pick(outsiders) });
    else if (choice === 1 && conf.learners.length > 0) {
      const id = r.pick(conf.learners);
      // Promote only a learner that caught up, as the node wrapper does.
      const pr = core.progress(id);
      if (pr && pr.match >= core.commit - 5) res = core.proposeConfChange({ type: "addVoter", id });
    } else if (choice === 2 && conf.voters.length > 3) {
      res = core.proposeConfChange({ type: "remove", id: r.pick(conf.voters) });
    } else if (choice === 3 && conf.learners.length > 0) {
      res = core.proposeConfChange({ type: "remove", id: r.pick(conf.learners) });
    } else if (choice === 2 && conf.voters.length <= 3 && outsiders.length > 0) {
      res = core.proposeConfChange({ type: "addLearner", id: r.pick(outsiders) });
    }
    if (res && !("refused" in res)) {
      this.#stats.confChanges++;
      this.#log(`confchange at ${res.index} by ${leader.id}`);
    }
    if (r.chance(0.2)) {
      const target = r.pick(conf.voters);
      this.#log(`transfer ${leader.id} -> ${target}`);
      core.transferLeadership(target);
    }
    this.#process(leader);
  }

  #runClients(): void {
    const r = this.#rng;
    for (let c = 0; c < this.#clients.length; c++) {
      const op = this.#clients[c];
      if (op) {
        if (this.#now > op.deadline) this.#abandon(c);
        continue;
      }
      if (this.#now >= this.#opts.duration - 500 || !r.chance(0.03)) continue;
      const ids = [...this.#nodes.keys()];
      // Clients also talk to any node that believes it leads, stale minority leaders included.
      const leaders = ids.filter((id) => this.#nodes.get(id)!.core?.role === "leader");
      const target =
        leaders.length > 0 && r.chance(0.5)
          ? r.pick(leaders)
          : this.#clientLeaderHint && r.chance(0.8)
            ? this.#clientLeaderHint
            : r.pick(ids);
      const node = this.#nodes.get(target)!;
      const core = node.core;
      if (core?.role !== "leader") {
        this.#clientLeaderHint = core?.leader ?? null;
        continue;
      }
      const key = `k${r.int(0, 3)}`;
      this.#stats.operations++;
      if (r.chance(0.5)) {
        const value = `v${++this.#nextValue}`;
        const res = core.propose([encodeKvCommand({ op: "put", key, value })]);
        if ("refused" in res) continue;
        const op: ClientOp = {
          client: c,
          node: target,
          index: res.first,
          term: res.term,
          deadline: this.#now + 3000,
          record: { client: c, kind: "put", key, value, calledAt: this.#now, returnedAt: 0 },
        };
        this.#clients[c] = op;
        node.proposals.track(res.first, res.term, op);
      } else {
        const context = ++this.#nextContext;
        if (!core.readIndex(context)) continue;
        this.#clients[c] = {
          client: c,
          node: target,
          context,
          deadline: this.#now + 3000,
          record: { client: c, kind: "get", key, value: null, calledAt: this.#now, returnedAt: 0 },
        };
      }
      this.#process(node);
    }
  }

  #send(from: SimNode, m: Message): void {
    const r = this.#rng;
    if (m.type === "snap" && m.offset === 0) this.#stats.snapshotsSent++;
    if (this.#dropRate > 0 && r.chance(this.#dropRate)) return;
    const copies = this.#dupRate > 0 && r.chance(this.#dupRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.#net.push({ at: this.#now + r.int(1, 30), seq: this.#seq++, m });
    }
    void from;
  }

  #deliver(): void {
    for (;;) {
      const top = this.#net.peek();
      if (!top || top.at > this.#now) return;
      this.#net.pop();
      const m = top.m;
      const to = this.#nodes.get(m.to);
      if (!to?.core) continue;
      if (this.#partition && this.#partition.get(m.from) !== this.#partition.get(m.to)) continue;
      to.core.step(m);
      if (to.writing && to.core.role === "leader" && to.core.commit > to.core.stableIndex())
        this.#stats.commitsBeforeLeaderFsync++;
      this.#process(to);
    }
  }

  /**
   * Handles the node's Readys as RaftNode does: the leader's messages leave first, then the durable write
   * runs — for a random while of virtual time, during which the node keeps receiving messages but handles
   * no further Ready — and only then does the rest happen ({@link Simulation.#finishWrite}).
   */
  #process(node: SimNode): void {
    for (;;) {
      const core = node.core;
      if (node.writing || !core?.hasReady()) return;
      const rd = core.ready();
      for (const m of rd.earlyMessages) this.#send(node, m);
      if (this.#faulty && this.#rng.chance(0.0005)) {
        // Crash before the write reached the disk: the whole batch is lost, nothing else was sent or
        // applied; a leader's entries may already be on its followers.
        this.#log(
          `${node.id} crash before fsync${rd.earlyMessages.length > 0 ? " (after replicating)" : ""}`,
        );
        node.writing = { rd, doneAt: Infinity };
        this.#crash(node);
        return;
      }
      if (rd.mustSync) {
        const r = this.#rng;
        const delay = r.chance(0.5) ? 0 : r.chance(0.8) ? r.int(1, 10) : r.int(10, 60);
        if (delay > 0) {
          node.writing = { rd, doneAt: this.#now + delay };
          return;
        }
      }
      if (!this.#finishWrite(node, rd)) return;
    }
  }

  /** The write of `rd` is done: persist, report it to the core, send the rest, apply. False on a crash. */
  #finishWrite(node: SimNode, rd: Ready): boolean {
    this.#persist(node, rd);
    if (this.#faulty && this.#rng.chance(0.0005)) {
      this.#log(`${node.id} crash after fsync, before send`);
      this.#crash(node);
      return false;
    }
    node.core!.advance(rd);
    for (const m of rd.messages) this.#send(node, m);
    this.#apply(node, rd);
    return true;
  }

  #persist(node: SimNode, rd: Ready): void {
    const update: Parameters<MemoryStorage["save"]>[0] = { entries: rd.entries };
    if (rd.hardState) update.hardState = rd.hardState;
    if (rd.snapshot) update.snapshot = rd.snapshot;
    if (update.hardState || update.snapshot || update.entries.length > 0) node.storage.save(update);
  }

  #apply(node: SimNode, rd: Ready): void {
    const core = node.core!;
    if (rd.softState) {
      const s = rd.softState;
      if (s.role === "leader") {
        this.#log(`${node.id} leader of term ${s.term}`);
        const prev = this.#leaderOfTerm.get(s.term);
        if (prev !== undefined && prev !== node.id)
          this.#fail(`two leaders in term ${s.term}: ${prev}, ${node.id}`);
        this.#leaderOfTerm.set(s.term, node.id);
        // Leader completeness: every committed entry is in the new leader's log.
        for (let i = core.compactedIndex() + 1; i <= this.#highestCommit; i++) {
          const e = core.entriesBetween(i, i)[0];
          if (!e || entryKey(e) !== this.#committed[i]) {
            this.#fail(`leader ${node.id} (term ${s.term}) lacks committed entry ${i}`);
          }
        }
        if (core.lastIndex() < this.#highestCommit) this.#fail(`leader ${node.id} log shorter than commit`);
      } else {
        for (let c = 0; c < this.#clients.length; c++) {
          const op = this.#clients[c];
          if (op && op.node === node.id && op.record.kind === "get") this.#clients[c] = null;
        }
        node.reads = [];
      }
    }
    if (rd.snapshot) {
      node.kv = decodeKv(rd.snapshot.data);
      this.#log(`${node.id} restored snapshot at ${rd.snapshot.meta.index}`);
    }
    for (const s of node.proposals.observe(rd)) this.#settleWrite(node, s);
    for (const e of rd.committedEntries) {
      const key = entryKey(e);
      if (e.index <= this.#highestCommit) {
        if (this.#committed[e.index] !== key) {
          this.#fail(`node ${node.id} committed ${key} at ${e.index}, others ${this.#committed[e.index]}`);
        }
      } else {
        if (e.index !== this.#highestCommit + 1) this.#fail(`commit gap at ${e.index}`);
        this.#committed.push(key);
        this.#highestCommit = e.index;
      }
      if (e.type === EntryType.Normal && e.data.length > 0) {
        const cmd = decodeKvCommand(e.data);
        node.kv.set(cmd.key, cmd.value);
      }
      const settled = node.proposals.committed(e);
      if (settled) this.#settleWrite(node, settled);
    }
    for (const rs of rd.readStates) node.reads.push(rs);
    node.reads = node.reads.filter((rs) => {
      if (core.applied < rs.index) return true;
      for (let c = 0; c < this.#clients.length; c++) {
        const op = this.#clients[c];
        if (!op || op.node !== node.id || op.context !== rs.context) continue;
        this.#clients[c] = null;
        this.#history.push({
          ...op.record,
          value: node.kv.get(op.record.key) ?? null,
          returnedAt: this.#now,
        });
        this.#stats.reads++;
      }
      return false;
    });
    if (!node.snapshotting && core.applied - core.compactedIndex() > 40 && this.#rng.chance(0.5)) {
      const keep = this.#rng.int(0, 10);
      if (this.#rng.chance(0.5)) {
        // Encoded over a while, as a state machine's async snapshot() may be: nothing is applied until then.
        core.applyHeld = true;
        node.snapshotting = { index: core.applied, keep, doneAt: this.#now + this.#rng.int(1, 200) };
      } else {
        const snap = core.compact(encodeKv(node.kv), keep);
        node.storage.saveSnapshot(snap, core.compactedIndex());
      }
    }
  }

  /** A slow snapshot finished encoding: the state is still the one at its index, unless one was received. */
  #finishSnapshot(node: SimNode): void {
    const core = node.core!;
    const { index, keep } = node.snapshotting!;
    node.snapshotting = null;
    if (core.applied === index) {
      if (core.commit > index) this.#stats.slowSnapshots.committedMeanwhile++;
      const snap = core.compact(encodeKv(node.kv), keep);
      node.storage.saveSnapshot(snap, core.compactedIndex());
    } else {
      this.#stats.slowSnapshots.superseded++;
    }
    core.applyHeld = false;
    this.#process(node);
  }

  /**
   * A client write settled: check the outcome against the cluster's committed log (the oracle), then
   * record it. A dropped write is left out of the history altogether — a claim that it never took effect,
   * which the linearizability checker refutes if any read ever sees it.
   */
  #settleWrite(node: SimNode, s: SettledProposal<ClientOp>): void {
    const op = s.token;
    this.#log(`${node.id} proposal ${s.term}/${s.index} ${s.outcome}`);
    const committed = this.#committed[s.index];
    const ours = committed?.startsWith(`${s.term}:`);
    if ((s.outcome === "applied" || s.outcome === "appliedResultUnknown") && ours !== true)
      this.#fail(`${node.id} settled ${s.term}/${s.index} as ${s.outcome}, committed there: ${committed}`);
    if (s.outcome === "dropped" && (committed === undefined || ours))
      this.#fail(`${node.id} settled ${s.term}/${s.index} as dropped, committed there: ${committed}`);
    if (this.#clients[op.client] !== op) return;
    this.#clients[op.client] = null;
    if (s.outcome === "applied" || s.outcome === "appliedResultUnknown") {
      this.#history.push({ ...op.record, returnedAt: this.#now });
      this.#stats.acknowledgedWrites++;
    } else if (s.outcome === "unknown") {
      this.#history.push({ ...op.record, returnedAt: Infinity });
    }
    this.#stats.settled[s.outcome]++;
  }

  #checkLogMatching(): void {
    const violation = logMatchingViolation(
      [...this.#nodes.values()].filter((n) => n.core).map((n) => n.core!),
    );
    if (violation) this.#fail(violation);
  }

  #checkDurable(): void {
    const leader = this.#leader();
    const voters = leader ? leader.core!.conf().voters : [...this.#nodes.keys()];
    const lost = firstUndurableCommit(
      voters.map((id) => this.#nodes.get(id)!.storage),
      this.#committed,
      this.#highestCommit,
    );
    if (lost !== undefined) this.#fail(`committed entry ${lost} not durable on a quorum`);
  }

  #checkConverged(): void {
    // Without both pre-vote and check-quorum, a removed server that never learnt of its removal may keep
    // disrupting elections forever (Raft dissertation §4.2.3): liveness is then not expected, safety is.
    if (!this.#preVote || !this.#checkQuorum) return;
    const leader = this.#leader();
    if (!leader) this.#fail("no leader after healing the cluster");
    const conf = leader.core!.conf();
    const want = leader.core!.commit;
    for (const id of [...conf.voters, ...conf.learners]) {
      const n = this.#nodes.get(id)!;
      if (!n.core || n.core.applied < want) {
        const c = n.core;
        this.#fail(
          `${id} did not catch up after healing (leader ${leader.id} commit ${want} last ${leader.core!.lastIndex()} ` +
            `progress ${JSON.stringify(leader.core!.progress(id))}; node ${c ? `${c.role} term ${c.term} applied ${c.applied} last ${c.lastIndex()} compacted ${c.compactedIndex()}` : "down"})`,
        );
      }
      const a = JSON.stringify([...n.kv].sort());
      const b = JSON.stringify([...leader.kv].sort());
      if (n.core.applied === leader.core!.applied && a !== b) this.#fail(`state machines diverge: ${id}`);
    }
  }

  /** The trace recorded so far (with `trace: true`). */
  trace(): string[] {
    return this.#trace;
  }
}
