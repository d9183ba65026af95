import { existsSync } from "node:fs";
import { AmstaffError, describeError } from "@amstaff/core";
import {
  type NodeId,
  NotLeaderError,
  RaftError,
  RaftErrorCode,
  RaftNode,
  type RaftTransport,
  type SnapshotPolicyOptions,
  SqliteStorage,
} from "@amstaff/raft";
import type Database from "better-sqlite3";
import type { Logger } from "pino";
import { type Clock, sleep, systemClock, timeoutSignal } from "../clock.js";
import type { Command } from "../state/commands.js";
import type { ReplicatedLog } from "../state/replicatedLog.js";
import { SqliteLog } from "../state/sqliteLog.js";
import { type ApplyResult, StateMachine } from "../state/stateMachine.js";
import { AppliedWaiters } from "./appliedWaiters.js";
import type { ClusterHttp } from "./clusterHttp.js";
import { ForwardBatcher } from "./forwardBatcher.js";
import { outcomeUnknown, unavailable, withTimeout } from "./logErrors.js";
import type { Applied, RpcTarget } from "./rpc.js";
import { RpcClient } from "./rpcClient.js";

/** Options of {@link RaftLog.open}. */
export interface RaftLogOptions {
  nodeId: string;
  /** The SQLite file of the Raft log and snapshots. */
  path: string;
  machine: StateMachine;
  transport: RaftTransport;
  /** The founding voters, this node included, when the storage is empty; omit to join a cluster. */
  initialMembers?: string[] | undefined;
  /** How this node calls the others' internal endpoints (token, and mutual TLS when configured). */
  http: ClusterHttp;
  logger: Logger;
  /** Milliseconds per Raft tick. @default 50 */
  tickMs?: number;
  /**
   * Raft's election timeout, in ticks, randomized in [n, 2n). The cluster's leases are sized from it.
   * @default 10
   */
  electionTicks?: number;
  /**
   * When to snapshot the state and compact the log: once the entries since the last snapshot weigh
   * `logSizeFactor` times it, within `[minLogBytes, maxLogBytes]`. The log since the last snapshot is
   * also held in memory, hence a tighter ceiling than `@amstaff/raft`'s own default.
   * @default { logSizeFactor: 1, minLogBytes: 4 MiB, maxLogBytes: 32 MiB }
   */
  snapshotPolicy?: SnapshotPolicyOptions;
  /**
   * Applied entries between two snapshots, instead of `snapshotPolicy`.
   * @deprecated A fixed count snapshotted 50,000 monitors' state every few seconds; use `snapshotPolicy`.
   */
  snapshotEntries?: number;
  /**
   * The deadline of one {@link RaftLog.propose} (and of a proposal forwarded to this node as leader):
   * within it a command that provably did not reach the log is retried; past it the call fails with
   * `AMS_ERR_LOG_UNAVAILABLE` (not applied) or, once the command reached the log, with
   * `AMS_ERR_LOG_OUTCOME_UNKNOWN`. A follower then waits up to 5 s more to apply the entry itself.
   * @default 10000
   */
  proposeTimeoutMs?: number;
  /**
   * Drives Raft's ticks and every deadline and retry of proposals, forwarding and reads.
   * @default the system clock
   */
  clock?: Clock | undefined;
}

/** The server's snapshot policy: see {@link RaftLogOptions.snapshotPolicy}. */
export const defaultSnapshotPolicy: SnapshotPolicyOptions = {
  logSizeFactor: 1,
  minLogBytes: 4 << 20,
  maxLogBytes: 32 << 20,
};

/** Proposal errors of `@amstaff/raft` after which the command provably was not applied: retry it. */
const notApplied = new Set<string>([
  RaftErrorCode.NotLeader,
  RaftErrorCode.Transferring,
  RaftErrorCode.Dropped,
  RaftErrorCode.ConfChangePending,
]);

/**
 * The server's log on `@amstaff/raft` (design decision 2: one node is a Raft cluster of one). Any node
 * takes proposals: the leader appends them; a follower forwards the command over HTTP to the leader's
 * internal endpoint (`POST /_cluster/propose`), gets the result and the entry's index back, and waits
 * until it applied that index itself, so a client reading from the node it wrote to sees its write.
 *
 * Every proposal settles within `proposeTimeoutMs`. It is retried only while it certainly did not reach
 * the log (no leader known, refused as not leader, dropped by a new leader, connection refused), and
 * fails with `AMS_ERR_LOG_UNAVAILABLE` if that lasts past the deadline. Once it reached the log and its
 * fate cannot be learnt (leadership lost under it, leader unreachable mid-request, deadline), it fails
 * with `AMS_ERR_LOG_OUTCOME_UNKNOWN` — the contract of a client-side timeout in Raft (dissertation §6.3:
 * without client sessions, retries are at least once); `AMS_ERR_LOG_RESULT_UNKNOWN` when it was applied
 * but its result is unknown here.
 */
export class RaftLog implements ReplicatedLog {
  readonly raft: RaftNode<Command, Applied>;
  readonly #opts: RaftLogOptions;
  readonly #clock: Clock;
  readonly #rpc: RpcClient;
  readonly #forwarder: ForwardBatcher;
  readonly #applied: AppliedWaiters;
  #closed = false;

  private constructor(
    raft: RaftNode<Command, Applied>,
    opts: RaftLogOptions,
    clock: Clock,
    applied: AppliedWaiters,
  ) {
    this.raft = raft;
    this.#opts = opts;
    this.#clock = clock;
    this.#rpc = new RpcClient(opts.http, clock);
    this.#forwarder = new ForwardBatcher(this.#rpc, clock);
    this.#applied = applied;
  }

  /** Opens (or creates) the Raft log, restores the latest snapshot and starts the node. */
  static async open(opts: RaftLogOptions): Promise<RaftLog> {
    const { machine } = opts;
    const clock = opts.clock ?? systemClock;
    const logger = {
      warn: (message: string, details?: object) => opts.logger.warn({ ...details }, `raft: ${message}`),
    };
    // Checkpoints of raft.db on a thread: the one SQLite runs inside a commit held the event loop.
    const storage = new SqliteStorage({ path: opts.path, checkpointer: { logger } });
    let raft: RaftNode<Command, Applied> | undefined;
    const applied = new AppliedWaiters(clock, () => raft?.appliedIndex ?? 0);
    raft = await RaftNode.create<Command, Applied>({
      id: opts.nodeId,
      ...(opts.initialMembers ? { initialMembers: opts.initialMembers } : {}),
      transport: opts.transport,
      storage,
      stateMachine: {
        apply: (command, index) => {
          applied.moved();
          return { result: machine.apply(command, index), index };
        },
        // In slices: a 50,000-monitor state is ~35 MB of JSON (the node applies nothing meanwhile).
        snapshot: () => machine.snapshotInSlices(),
        restore: (data) => {
          applied.moved();
          machine.restore(data);
        },
      },
      tickMs: opts.tickMs ?? 50,
      ...(opts.electionTicks === undefined ? {} : { electionTicks: opts.electionTicks }),
      ...(opts.snapshotEntries === undefined
        ? { snapshotPolicy: opts.snapshotPolicy ?? defaultSnapshotPolicy }
        : { snapshotEntries: opts.snapshotEntries }),
      snapshotKeep: 500,
      logger,
      clock,
    });
    raft.on("error", (error) => opts.logger.error({ err: describeError(error) }, "raft stopped"));
    return new RaftLog(raft, opts, clock, applied);
  }

  get nodeId(): string {
    return this.#opts.nodeId;
  }

  /**
   * The URL of the leader's internal endpoints, as it announced it in the log: its internal listener,
   * or (a node of a version without one) its API URL.
   */
  leaderUrl(): string | undefined {
    return this.leaderTarget()?.url;
  }

  /** The leader's id and where it serves the internal endpoints, read together; undefined when unknown. */
  leaderTarget(): RpcTarget | undefined {
    const leader = this.raft.leader;
    const member = leader === null ? undefined : this.#opts.machine.member(leader);
    const url = member?.internalUrl ?? member?.apiUrl;
    return leader === null || url === undefined ? undefined : { node: leader, url };
  }

  /**
   * Commits a command through the leader and resolves with its result once this node applied it. Settles
   * within `proposeTimeoutMs` (plus up to 5 s for a follower to apply the entry), with the errors described
   * on {@link RaftLog}.
   */
  async propose(command: Command): Promise<ApplyResult> {
    const timeoutMs = this.#opts.proposeTimeoutMs ?? 10_000;
    const deadline = this.#clock.now() + timeoutMs;
    for (;;) {
      if (this.#closed) throw unavailable("The server is shutting down; try again on another node.");
      const left = deadline - this.#clock.now();
      if (left <= 0) {
        throw unavailable(
          `No Raft leader took the command within ${timeoutMs} ms (is a majority of the cluster up?); it was not applied, try again.`,
        );
      }
      const { raft } = this;
      if (raft.role === "leader") {
        const applied = await this.#proposeHere(command, left);
        if (applied) return applied.result;
      } else {
        const target = this.leaderTarget();
        if (target !== undefined && target.node !== this.#opts.nodeId) {
          const applied = await this.#forwarder.forward(target, command, left);
          if (applied) {
            // Read-your-writes on this node; if it lags too much the write still happened.
            await this.waitApplied(applied.index, 5_000).catch(() => undefined);
            return applied.result;
          }
        }
      }
      await sleep(this.#clock, Math.min(50, Math.max(0, deadline - this.#clock.now())));
    }
  }

  /**
   * Proposes on this node as leader, giving up after `timeoutMs`. Undefined when the command certainly was
   * not applied (retry); throws when its outcome is unknown or it failed.
   */
  async #proposeHere(command: Command, timeoutMs: number): Promise<Applied | undefined> {
    const { signal, cancel } = timeoutSignal(this.#clock, timeoutMs);
    try {
      return await this.raft.propose(command, { signal });
    } catch (error) {
      if (!(error instanceof RaftError)) throw error;
      if (notApplied.has(error.code)) return undefined;
      if (error.code === RaftErrorCode.AppliedResultUnknown) {
        throw new AmstaffError(
          "AMS_ERR_LOG_RESULT_UNKNOWN",
          "The command was committed and applied, but this node learnt it from a snapshot and cannot tell its result; do not repeat it, read the state instead.",
          { cause: error },
        );
      }
      if (signal.aborted) {
        throw outcomeUnknown(`No outcome within ${timeoutMs} ms while the command was in the log.`, error);
      }
      if (error.code === RaftErrorCode.Stopped) throw outcomeUnknown("The node stopped.", error);
      throw outcomeUnknown("Leadership changed while the command was in the log.", error);
    } finally {
      cancel();
    }
  }

  /** Resolves once this node applied `index`; rejects after `timeoutMs`. */
  async waitApplied(index: number, timeoutMs: number): Promise<void> {
    if (this.#closed || !(await this.#applied.wait(index, timeoutMs))) {
      throw unavailable(`This node has not caught up with the log (entry ${index}).`);
    }
  }

  /**
   * A linearizable read barrier (Raft's ReadIndex, dissertation §6.4): on the leader, a heartbeat round
   * confirms leadership and the state machine catches up with the commit index; on a follower, the
   * leader does that and this node then waits until it applied the same index.
   */
  async readBarrier(timeoutMs = 5_000): Promise<void> {
    if (this.raft.role === "leader") {
      await withTimeout(this.raft.read(), timeoutMs, this.#clock);
      return;
    }
    const target = this.leaderTarget();
    if (target === undefined)
      throw unavailable("No Raft leader is known; a consistent read is impossible now.");
    await this.waitApplied(await this.#rpc.readIndex(target, timeoutMs), timeoutMs);
  }

  /**
   * Proposes on this node, which must be the leader: for the internal endpoint. Settles within
   * `proposeTimeoutMs`; throws {@link NotLeaderError} (the follower retries elsewhere) once this node does
   * not lead, `AMS_ERR_LOG_UNAVAILABLE` when the deadline ran out before the command reached the log, and
   * the outcome-unknown errors of {@link RaftLog.propose}.
   */
  async proposeAsLeader(command: Command): Promise<Applied> {
    const timeoutMs = this.#opts.proposeTimeoutMs ?? 10_000;
    const deadline = this.#clock.now() + timeoutMs;
    for (;;) {
      if (this.#closed || this.raft.role !== "leader") throw new NotLeaderError(this.raft.leader);
      const left = deadline - this.#clock.now();
      if (left <= 0)
        throw unavailable(`The command did not reach the log within ${timeoutMs} ms; try again.`);
      const applied = await this.#proposeHere(command, left);
      if (applied) return applied;
      await sleep(this.#clock, 10);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#applied.close();
    await this.raft.stop();
  }
}

/**
 * Moves the state of a data directory written by the single-node `SqliteLog` (before the server ran
 * on Raft) into a fresh Raft storage: the old log is replayed, the state becomes the Raft snapshot at
 * the same index (so module versions and transition ids keep growing from where they were), with this
 * node as the only voter, and the old tables are dropped. Does nothing when there is nothing to move or
 * the Raft storage exists already.
 *
 * @returns the index the migrated state ends at, or undefined when nothing was migrated.
 */
export function migrateSqliteLog(
  db: Database.Database,
  raftPath: string,
  nodeId: NodeId,
): number | undefined {
  const tables = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('log_entries', 'log_snapshot')",
    )
    .all() as { name: string }[];
  if (tables.length === 0 || existsSync(raftPath)) return undefined;
  const machine = new StateMachine();
  const old = new SqliteLog(db, machine);
  const index = old.lastIndex;
  if (index > 0) {
    const storage = new SqliteStorage({ path: raftPath });
    storage.save({
      entries: [],
      hardState: { term: 1, vote: nodeId, commit: index },
      snapshot: {
        meta: { index, term: 1, conf: { voters: [nodeId], learners: [] } },
        data: machine.snapshot(),
      },
    });
    storage.close();
  }
  db.exec("DROP TABLE IF EXISTS log_entries; DROP TABLE IF EXISTS log_snapshot;");
  return index > 0 ? index : undefined;
}
