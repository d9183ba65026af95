import { RaftError, RaftErrorCode } from "./errors.js";
import type { RaftLogger } from "./raftNode.js";
import { type WalCheckpointLease, WalCheckpointThread } from "./walCheckpointThread.js";
import type { WalCheckpointFile, WalCheckpointResult } from "./walCheckpointWorker.js";

export type { WalCheckpointResult } from "./walCheckpointWorker.js";

/** Options of {@link WalCheckpointer}. */
export interface WalCheckpointerOptions {
  /** Path of the database file; it must exist and be in WAL mode. */
  path: string;
  /**
   * Checkpoint as soon as this many WAL pages are not yet in the database file.
   * @default 1000 (SQLite's own `wal_autocheckpoint`)
   */
  thresholdPages?: number;
  /**
   * Checkpoint at least this often while anything is written (a WAL that was started over does not grow).
   * @default 250
   */
  intervalMs?: number;
  /**
   * How often the thread looks at the WAL file's size.
   * @default 50
   */
  pollMs?: number;
  /**
   * Past this size the WAL file is emptied (`TRUNCATE`) once the rest is copied, if no writer or reader is
   * active at that moment.
   * @default 67108864 (64 MiB)
   */
  truncateBytes?: number;
  /**
   * The size the owner keeps its WAL file preallocated at (`preallocateWal`, which SQLite then trims
   * it back to with `journal_size_limit`): past `truncateBytes` the file is then not emptied but started
   * over (`RESTART`), and the owner's next commit trims it to this size rather than growing it from zero.
   * @default 0 (none: the file is emptied)
   */
  walBytes?: number;
  /** Where a failing checkpoint is reported (it is not fatal: the WAL only grows meanwhile). */
  logger?: RaftLogger;
  /** Called on every checkpoint the thread ran (metrics, tests). */
  onCheckpoint?: (result: WalCheckpointResult) => void;
}

function positiveInteger(name: string, value: number): number {
  if (!(Number.isInteger(value) && value > 0)) {
    throw new RaftError(RaftErrorCode.InvalidOption, `${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * Runs a SQLite database's WAL checkpoints off the event loop, with a connection of its own, on a worker
 * thread that every WalCheckpointer of the process shares (one thread costs 13–18 MiB of RSS). SQLite's
 * automatic checkpoint runs inside whichever commit crosses 1000 WAL pages, copying the WAL into the
 * database file and syncing it on the committing thread — for a Node.js server, the event loop, for
 * 70–300 ms at a time. Turn it off on the connections that write (`wal_autocheckpoint=0`) and start one
 * of these: it runs `PRAGMA wal_checkpoint(PASSIVE)`, which never blocks a writer, when the WAL has grown
 * `thresholdPages` past what is copied, or every `intervalMs`, and empties a file past `truncateBytes` only when that
 * does not wait for anyone.
 *
 * What is committed does not change: a checkpoint only moves committed pages from the WAL into the
 * database file, syncing both, and a crash mid-way is recovered from the WAL on the next open.
 *
 * @example
 * db.pragma("wal_autocheckpoint = 0");
 * const checkpointer = new WalCheckpointer({ path: "/var/lib/app/app.db", logger: console });
 * // ...
 * db.close();
 * await checkpointer.close();
 */
export class WalCheckpointer {
  readonly #lease: WalCheckpointLease;

  constructor(options: WalCheckpointerOptions) {
    const file: WalCheckpointFile = {
      path: options.path,
      thresholdPages: positiveInteger("thresholdPages", options.thresholdPages ?? 1000),
      intervalMs: positiveInteger("intervalMs", options.intervalMs ?? 250),
      pollMs: positiveInteger("pollMs", options.pollMs ?? 50),
      truncateBytes: positiveInteger("truncateBytes", options.truncateBytes ?? 64 * 1024 * 1024),
      walBytes: options.walBytes ? positiveInteger("walBytes", options.walBytes) : 0,
    };
    const { logger, onCheckpoint } = options;
    this.#lease = WalCheckpointThread.attach(file, {
      onCheckpoint: (result) => onCheckpoint?.(result),
      onError: (error) => logger?.warn("WAL checkpoint failed", { path: options.path, error }),
      // The file could not be opened, or the thread ended on an error it did not catch: logged, not
      // thrown, since SQLite still works without checkpoints, only with a WAL that grows.
      onStopped: (error) => logger?.warn("WAL checkpoint thread stopped", { path: options.path, error }),
    });
  }

  /**
   * Stops checkpointing the file: the thread closes its connection to it (the file's last one checkpoints
   * the rest there), and ends if this was its last file. Resolves once the connection is closed — the
   * last file's once the thread has ended; calling it again returns the same promise.
   */
  close(): Promise<void> {
    return this.#lease.close();
  }
}
