import type { SnapshotPolicyOptions } from "@amstaff/raft";
import type { Logger } from "pino";
import type { Clock } from "../../clock.js";
import type { StateMachine } from "../../state/stateMachine.js";
import type { EtcdConnectionOptions } from "./etcdClient.js";

/** Options of `EtcdLog.open`. */
export interface EtcdLogOptions extends EtcdConnectionOptions {
  nodeId: string;
  machine: StateMachine;
  logger: Logger;
  /**
   * The deadline of one {@link EtcdLog.propose}: within it a command that certainly never reached etcd is
   * retried (on another member); past it the call fails (see `EtcdLog`).
   * @default 10000
   */
  proposeTimeoutMs?: number;
  /**
   * The deadline of one attempt of an etcd write or linearizable read, doubled for each retry after one
   * ran out: well below etcd's own request timeout, which holds a write forwarded to a leader that just
   * died for 5 s + 2 × the election timeout.
   * @default 1000
   */
  attemptTimeoutMs?: number;
  /**
   * The largest etcd value this log writes: snapshots are stored as chunks of this size, and a command
   * whose entry is larger is staged as chunks and appended as a small entry naming them. Keep it well
   * below the members' `--max-request-bytes` (1.5 MiB by default).
   * @default 524288
   */
  chunkBytes?: number;
  /**
   * When this node snapshots the state and offers it to etcd (which then compacts the log it covers): once
   * the entries applied since its last snapshot (taken or restored) weigh `logSizeFactor` times it, within
   * `[minLogBytes, maxLogBytes]` — the Raft engine's policy (`RaftLogOptions.snapshotPolicy`). The log
   * since the last snapshot stays in etcd's history until then, hence the ceiling. Checked every
   * `maintenanceMs`.
   * @default { logSizeFactor: 1, minLogBytes: 4 MiB, maxLogBytes: 32 MiB }
   */
  snapshotPolicy?: SnapshotPolicyOptions;
  /**
   * Log entries this node applies between two snapshots it offers to store, instead of `snapshotPolicy`.
   * @deprecated A fixed count encoded 50,000 monitors' state every few seconds; use `snapshotPolicy`.
   */
  snapshotEntries?: number;
  /** How often the node records its applied revision, stores a due snapshot and compacts. @default 1000 */
  maintenanceMs?: number;
  /** TTL of the lease of this node's applied revision, in seconds. @default 10 */
  appliedTtlSeconds?: number;
  /** Drives the deadlines and the maintenance timer. @default the system clock */
  clock?: Clock | undefined;
}
