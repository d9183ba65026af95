import type { ProposalOutcome } from "./proposalTracker.js";

/** Knobs of one simulated run; everything random derives from `seed`. */
export interface SimulationOptions {
  seed: number;
  /** Virtual time units to run with faults (a tick is 10 units). @default 6000 */
  duration?: number;
  /** Founding voters. @default 3 */
  voters?: number;
  /** Extra nodes that may join as learners and be promoted. @default 2 */
  spares?: number;
  /** Inject crashes, partitions, loss, duplication, membership changes and compaction. @default true */
  faults?: boolean;
  /** Use lease reads instead of ReadIndex heartbeats. @default false */
  leaseRead?: boolean;
  /** Record a trace of events (for debugging a failing seed). @default false */
  trace?: boolean;
}

/** Thrown when an invariant breaks; its message includes the command that replays the seed. */
export class SimulationFailure extends Error {
  readonly seed: number;
  readonly at: number;
  readonly trace: string[];
  constructor(seed: number, at: number, reason: string, trace: string[]) {
    super(
      `raft simulation seed ${seed} failed at t=${at}: ${reason}\n` +
        `replay: cd packages/raft && npx -y pnpm@12.21.0 run soak -- --seed ${seed} --trace` +
        ` (or RAFT_SEED=${seed} npx -y pnpm@12.21.0 exec vitest run src/simulation.test.ts)`,
    );
    this.name = "SimulationFailure";
    this.seed = seed;
    this.at = at;
    this.trace = trace;
  }
}

/** What a run did, for assertions and the soak summary. */
export interface SimulationResult {
  seed: number;
  committed: number;
  leaders: number;
  crashes: number;
  snapshotsSent: number;
  confChanges: number;
  operations: number;
  acknowledgedWrites: number;
  reads: number;
  /** Client writes by how they settled (writes abandoned at the client's deadline are not counted). */
  settled: Record<ProposalOutcome, number>;
  /** Leaders that crashed after sending entries to followers and before their own write of them finished. */
  leaderCrashesBeforeFsync: number;
  /** Times a leader's commit index moved past its own durable log (a quorum of followers without it). */
  commitsBeforeLeaderFsync: number;
  /**
   * Leaders with a background sync (`RaftStorage.sync`): Readies they handled while an earlier write of
   * theirs was still unsynced, and crashes that lost such unsynced entries after they had been sent.
   */
  backgroundSync: { readiesMeanwhile: number; crashesLosingEntries: number };
  /**
   * Slow snapshots (applying held while they encode, as `RaftNode` does for an async `snapshot()`) that
   * finished with entries committed meanwhile, and those a snapshot from the leader superseded.
   */
  slowSnapshots: { committedMeanwhile: number; superseded: number };
}

/** The result of a run that has not done anything yet. */
export function emptySimulationResult(seed: number): SimulationResult {
  return {
    seed,
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
    backgroundSync: { readiesMeanwhile: 0, crashesLosingEntries: 0 },
    slowSnapshots: { committedMeanwhile: 0, superseded: 0 },
  };
}
