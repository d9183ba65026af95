import { checkKvHistory } from "./linearizability.js";
import { ProposalTracker, type SettledProposal } from "./proposalTracker.js";
import { RaftCore, type RaftCoreOptions } from "./raft.js";
import { Rng } from "./rng.js";
import { convergenceFailure, logMatchingViolation } from "./simulationChecks.js";
import { type ClientOp, SimulationClients } from "./simulationClients.js";
import { decodeKv, decodeKvCommand, encodeKv } from "./simulationKv.js";
import { changeMembership } from "./simulationMembership.js";
import { SimulationNetwork } from "./simulationNetwork.js";
import {
  emptySimulationResult,
  SimulationFailure,
  type SimulationOptions,
  type SimulationResult,
} from "./simulationOptions.js";
import { CommitOracle } from "./simulationOracle.js";
import { SimulationStorage } from "./simulationStorage.js";
import type { StorageUpdate } from "./storage.js";
import { EntryType, type Message, type NodeId, type Ready } from "./types.js";

export type { SimulationOptions, SimulationResult } from "./simulationOptions.js";
export { SimulationFailure } from "./simulationOptions.js";

const TICK = 10;

interface SimNode {
  id: NodeId;
  core: RaftCore | null;
  storage: SimulationStorage;
  kv: Map<string, string>;
  phase: number;
  restartAt: number;
  reads: { context: number; index: number }[];
  /** The node's pending client writes, settled by the same tracker RaftNode uses. */
  proposals: ProposalTracker<ClientOp>;
  /** The Ready whose durable write is in progress (until `doneAt`); the next Ready waits for it. */
  writing: { rd: Ready; doneAt: number } | null;
  /**
   * A leader's Readies written unsynced and waiting for its background sync (until `doneAt`, in order),
   * as `RaftNode` does with a storage that has `sync()`; a crash loses them. `update` is null once a
   * synced write made it durable.
   */
  unsynced: { rd: Ready; update: StorageUpdate | null; doneAt: number }[];
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
  readonly #net: SimulationNetwork;
  #now = 0;
  #faulty: boolean;
  readonly #oracle = new CommitOracle();
  readonly #clients: SimulationClients;
  readonly #preVote: boolean;
  readonly #checkQuorum: boolean;
  readonly #intensity: number;
  /** Whether storages have a background sync (`RaftStorage.sync`): leaders then write their entries unsynced. */
  readonly #backgroundSync: boolean;
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
    this.#net = new SimulationNetwork(this.#rng);
    this.#clients = new SimulationClients(this.#rng);
    this.#faulty = this.#opts.faults;
    // Vary the protocol options and the fault intensity per seed: pre-vote and check-quorum hide some
    // bugs (stale leaders step down early), so runs without them exercise divergent logs harder.
    this.#preVote = this.#opts.leaseRead || this.#rng.chance(0.6);
    this.#checkQuorum = this.#opts.leaseRead || this.#rng.chance(0.6);
    this.#intensity = 0.5 + this.#rng.next() * 2.5;
    this.#backgroundSync = this.#rng.chance(0.7);
    this.#stats = emptySimulationResult(options.seed);
    const founders: NodeId[] = [];
    for (let i = 1; i <= this.#opts.voters; i++) founders.push(`n${i}`);
    const all = [...founders];
    for (let i = 1; i <= this.#opts.spares; i++) all.push(`n${this.#opts.voters + i}`);
    for (const id of all) {
      const node: SimNode = {
        id,
        core: null,
        storage: new SimulationStorage(),
        kv: new Map(),
        phase: this.#rng.int(0, TICK),
        restartAt: 0,
        reads: [],
        proposals: new ProposalTracker(),
        writing: null,
        unsynced: [],
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
  /** Fails the run on the violation a check found, if any. */
  #check(violation: string | undefined): void {
    if (violation !== undefined) this.#fail(violation);
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
    if (node.unsynced.some((u) => u.update && u.rd.earlyMessages.some((m) => (m.entries?.length ?? 0) > 0)))
      this.#stats.backgroundSync.crashesLosingEntries++;
    node.unsynced = [];
    node.snapshotting = null;
    node.core = null;
    node.reads = [];
    node.restartAt = this.#now + this.#rng.int(50, 800);
    this.#stats.crashes++;
    this.#clients.nodeCrashed(node.id);
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
        if (node.unsynced.length > 0 && node.unsynced[0]!.doneAt <= this.#now) this.#finishSync(node);
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
      if (this.#now < end - 500 || this.#clients.busy)
        this.#clients.run(this.#now, end - 500, this.#nodes, (node) => this.#process(node));
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
    this.#clients.abandonAll();
    const lin = checkKvHistory(this.#clients.history);
    if (!lin.ok) this.#fail(`client history is not linearizable (key ${lin.badKey})`);
    this.#stats.committed = this.#oracle.highestCommit;
    this.#stats.leaders = this.#oracle.leaders;
    return Object.assign(this.#stats, this.#clients.counts);
  }

  #heal(): void {
    this.#faulty = false;
    this.#net.heal();
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
    const ids = [...this.#nodes.keys()];
    for (const change of this.#net.injectFaults(ids, () => this.#leader()?.id, k)) this.#log(change);
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
    const fault = changeMembership(leader.core!, [...this.#nodes.keys()], this.#rng);
    if (fault.confChangeAt !== undefined) {
      this.#stats.confChanges++;
      this.#log(`confchange at ${fault.confChangeAt} by ${leader.id}`);
    }
    if (fault.transferTo !== undefined) this.#log(`transfer ${leader.id} -> ${fault.transferTo}`);
    this.#process(leader);
  }

  #send(m: Message): void {
    if (m.type === "snap" && m.offset === 0) this.#stats.snapshotsSent++;
    this.#net.send(m, this.#now);
  }

  #deliver(): void {
    for (let m = this.#net.nextDue(this.#now); m; m = this.#net.nextDue(this.#now)) {
      const to = this.#nodes.get(m.to);
      if (!to?.core) continue;
      to.core.step(m);
      if (
        (to.writing || to.unsynced.length > 0) &&
        to.core.role === "leader" &&
        to.core.commit > to.core.stableIndex()
      )
        this.#stats.commitsBeforeLeaderFsync++;
      this.#process(to);
    }
  }

  /**
   * Handles the node's Readys as RaftNode does: the leader's messages leave first, then the durable write
   * runs — for a random while of virtual time, during which the node keeps receiving messages but handles
   * no further Ready — and only then does the rest happen ({@link Simulation.#finishWrite}). With a
   * background sync, a leader's Ready of new entries only is written unsynced and handled at once instead
   * ({@link Simulation.#writeUnsynced}).
   */
  #process(node: SimNode): void {
    for (;;) {
      const core = node.core;
      if (node.writing || !core?.hasReady()) return;
      const rd = core.ready();
      for (const m of rd.earlyMessages) this.#send(m);
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
      if (rd.mustSync && rd.durableLater && this.#backgroundSync) {
        this.#writeUnsynced(node, rd);
        continue;
      }
      if (rd.mustSync) {
        const delay = this.#writeDelay();
        if (delay > 0) {
          node.writing = { rd, doneAt: this.#now + delay };
          return;
        }
      }
      if (!this.#finishWrite(node, rd)) return;
    }
  }

  /** Virtual time a durable write takes. */
  #writeDelay(): number {
    const r = this.#rng;
    return r.chance(0.5) ? 0 : r.chance(0.8) ? r.int(1, 10) : r.int(10, 60);
  }

  /**
   * A leader's new entries, written unsynced (`RaftNode` with a storage that has `sync()`): the node goes on
   * handling Readies, and `advance` comes once the background sync — which finishes in order — is done.
   */
  #writeUnsynced(node: SimNode, rd: Ready): void {
    if (node.unsynced.length > 0) this.#stats.backgroundSync.readiesMeanwhile++;
    const after = node.unsynced[node.unsynced.length - 1]?.doneAt ?? 0;
    node.unsynced.push({
      rd,
      update: this.#updateOf(rd),
      doneAt: Math.max(after, this.#now + this.#writeDelay()),
    });
    this.#apply(node, rd);
  }

  /** The background syncs due by now are done: their writes reach storage, and the core learns so. */
  #finishSync(node: SimNode): void {
    while (node.unsynced.length > 0 && node.unsynced[0]!.doneAt <= this.#now) {
      const { rd, update } = node.unsynced.shift()!;
      if (update) node.storage.save(update);
      node.core!.advance(rd);
    }
    this.#process(node);
  }

  /** A synced write makes every earlier unsynced one durable with it (storage writes are ordered). */
  #syncEarlier(node: SimNode): void {
    for (const u of node.unsynced) {
      if (u.update) node.storage.save(u.update);
      u.update = null;
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
    for (const m of rd.messages) this.#send(m);
    this.#apply(node, rd);
    return true;
  }

  #persist(node: SimNode, rd: Ready): void {
    this.#syncEarlier(node);
    const update = this.#updateOf(rd);
    if (update.hardState || update.snapshot || update.entries.length > 0) node.storage.save(update);
  }

  #updateOf(rd: Ready): StorageUpdate {
    const update: StorageUpdate = { entries: rd.entries };
    if (rd.hardState) update.hardState = rd.hardState;
    if (rd.snapshot) update.snapshot = rd.snapshot;
    return update;
  }

  #apply(node: SimNode, rd: Ready): void {
    const core = node.core!;
    if (rd.softState) {
      const s = rd.softState;
      if (s.role === "leader") {
        this.#log(`${node.id} leader of term ${s.term}`);
        this.#check(this.#oracle.leaderElected(node.id, s.term, core));
      } else {
        this.#clients.leadershipLost(node.id);
        node.reads = [];
      }
    }
    if (rd.snapshot) {
      node.kv = decodeKv(rd.snapshot.data);
      this.#log(`${node.id} restored snapshot at ${rd.snapshot.meta.index}`);
    }
    for (const s of node.proposals.observe(rd)) this.#settleWrite(node, s);
    for (const e of rd.committedEntries) {
      this.#check(this.#oracle.applied(node.id, e));
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
      this.#clients.readAnswered(node.id, rs.context, node.kv, this.#now);
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
        this.#syncEarlier(node);
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
      this.#syncEarlier(node);
      node.storage.saveSnapshot(snap, core.compactedIndex());
    } else {
      this.#stats.slowSnapshots.superseded++;
    }
    core.applyHeld = false;
    this.#process(node);
  }

  /** A client write settled: check the outcome against the cluster's committed log, then record it. */
  #settleWrite(node: SimNode, s: SettledProposal<ClientOp>): void {
    this.#log(`${node.id} proposal ${s.term}/${s.index} ${s.outcome}`);
    this.#check(this.#oracle.settled(node.id, s));
    this.#clients.writeSettled(s, this.#now);
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
    const lost = this.#oracle.firstUndurable(voters.map((id) => this.#nodes.get(id)!.storage));
    if (lost !== undefined) this.#fail(`committed entry ${lost} not durable on a quorum`);
  }

  #checkConverged(): void {
    // Without both pre-vote and check-quorum, a removed server that never learnt of its removal may keep
    // disrupting elections forever (Raft dissertation §4.2.3): liveness is then not expected, safety is.
    if (!this.#preVote || !this.#checkQuorum) return;
    const leader = this.#leader();
    if (!leader) this.#fail("no leader after healing the cluster");
    const core = leader.core!;
    const conf = core.conf();
    const members = [...conf.voters, ...conf.learners].map((id) => this.#nodes.get(id)!);
    this.#check(convergenceFailure({ id: leader.id, core, kv: leader.kv }, members));
  }

  /** The trace recorded so far (with `trace: true`). */
  trace(): string[] {
    return this.#trace;
  }
}
