import type { RaftCore } from "./raft.js";
import type { RaftLogger, StateMachine } from "./raftNodeOptions.js";
import type { SnapshotPolicy } from "./snapshotPolicy.js";
import type { RaftStorage } from "./storage.js";

/** What a {@link SnapshotScheduler} needs of the node it snapshots. */
export interface SnapshotSchedulerHost {
  /** Whether the node stopped (a snapshot finishing after that is dropped). */
  stopped(): boolean;
  /** Runs the node's loop again: applying resumes once a snapshot's encode settled. */
  resume(): void;
  /** Stops the node after a failed storage write. */
  fail(error: unknown): Promise<void>;
}

/**
 * Takes the local snapshots of a {@link RaftNode} when its {@link SnapshotPolicy} says so, without
 * holding the node's loop: applying is held while the state machine encodes (the state must stay the
 * one at the applied index), the log is compacted in the same synchronous step that releases it, and
 * the storage write runs beside the loop. One snapshot at a time.
 */
export class SnapshotScheduler {
  readonly #core: RaftCore;
  readonly #sm: Pick<StateMachine<unknown, unknown>, "snapshot">;
  readonly #storage: RaftStorage;
  readonly #policy: SnapshotPolicy;
  readonly #keep: number;
  readonly #logger: RaftLogger | undefined;
  readonly #host: SnapshotSchedulerHost;
  /** The local snapshot being encoded (applying is held meanwhile); null when none. */
  #encoding: Promise<unknown> | null = null;
  /** The local snapshot being encoded or written to storage; null when none. */
  #task: Promise<void> | null = null;
  /** The storage write of a local snapshot, while in progress. */
  #write: Promise<void> | null = null;

  constructor(
    core: RaftCore,
    sm: Pick<StateMachine<unknown, unknown>, "snapshot">,
    storage: RaftStorage,
    policy: SnapshotPolicy,
    options: { keep: number; logger: RaftLogger | undefined },
    host: SnapshotSchedulerHost,
  ) {
    this.#core = core;
    this.#sm = sm;
    this.#storage = storage;
    this.#policy = policy;
    this.#keep = options.keep;
    this.#logger = options.logger;
    this.#host = host;
  }

  /** Counts an applied entry's data towards the policy. */
  applied(dataBytes: number): void {
    this.#policy.applied(dataBytes);
  }

  /**
   * Before a snapshot received from the leader replaces the state machine: waits for a local encode still
   * reading it.
   */
  async beforeRestore(): Promise<void> {
    if (this.#encoding) await this.#encoding;
  }

  /** A snapshot received from the leader was restored: the policy counts from it. */
  restored(snapshotBytes: number): void {
    this.#policy.taken(snapshotBytes);
  }

  /** Starts a snapshot if the policy says one is due and none is in progress. */
  maybeStart(): void {
    if (this.#task === null && !this.#host.stopped() && this.#policy.due()) this.#start();
  }

  /** Settles once a storage write in progress is done (an encode still running is dropped). */
  async writeDone(): Promise<void> {
    await this.#write?.catch(() => {});
  }

  #start(): void {
    const core = this.#core;
    const index = core.applied;
    core.applyHeld = true;
    const release = () => {
      core.applyHeld = false;
      this.#encoding = null;
      this.#host.resume();
    };
    const encoding = (async () => {
      let data: Uint8Array;
      try {
        data = await this.#sm.snapshot();
      } catch (error) {
        release();
        this.#policy.retryLater();
        this.#logger?.warn("state machine snapshot failed; the log is compacted later", {
          index,
          error: String(error),
        });
        return null;
      }
      // A snapshot received from the leader meanwhile moved `applied` and supersedes this one.
      if (this.#host.stopped() || core.applied !== index) {
        release();
        return null;
      }
      // Compacting and releasing in one synchronous step: no entry is applied between the two.
      const snap = core.compact(data, this.#keep);
      const compactTo = core.compactedIndex();
      this.#policy.taken(data.length);
      release();
      return { snap, compactTo };
    })();
    this.#encoding = encoding;
    this.#task = encoding
      .then(async (taken) => {
        if (!taken || this.#host.stopped()) return;
        this.#write = Promise.resolve(this.#storage.saveSnapshot(taken.snap, taken.compactTo));
        await this.#write;
      })
      .catch((error: unknown) => this.#host.fail(error))
      .finally(() => {
        this.#task = null;
        this.#write = null;
      });
  }
}
