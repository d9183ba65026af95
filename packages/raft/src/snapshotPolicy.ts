import { RaftError, RaftErrorCode } from "./errors.js";

/**
 * When a node snapshots its state machine and compacts its log: by the size of the log since the last
 * snapshot compared with the size of that snapshot (Raft thesis §5.1.3). Snapshotting costs about the
 * size of the state, so a fixed entry count snapshots a large state far too often and a small one
 * rarely; with a size ratio the time spent snapshotting stays a bounded share of the time spent
 * applying, and the disk holds at most about `1 + logSizeFactor` times the state.
 */
export interface SnapshotPolicyOptions {
  /**
   * Snapshot once the entries applied since the last snapshot weigh this many times that snapshot.
   * @default 4
   */
  logSizeFactor?: number;
  /** Never snapshot before this many bytes of entries were applied since the last one (small states). @default 1048576 (1 MiB) */
  minLogBytes?: number;
  /** Always snapshot once this many bytes of entries were applied since the last one (huge states). @default 268435456 (256 MiB) */
  maxLogBytes?: number;
}

/** What an entry weighs beyond its data (index, term, type), so empty entries still count. */
export const ENTRY_OVERHEAD_BYTES = 16;

const defaults = { logSizeFactor: 4, minLogBytes: 1 << 20, maxLogBytes: 256 << 20 } as const;

function invalid(message: string): RaftError {
  return new RaftError(RaftErrorCode.InvalidOption, message);
}

/**
 * Decides when to snapshot; the node tells it what it applied and what it snapshotted. Pure and
 * deterministic: no clock, no I/O.
 *
 * @example
 * const policy = new SnapshotPolicy({ logSizeFactor: 4 });
 * policy.applied(entry.data.length);
 * if (policy.due()) policy.taken(snapshot.data.length);
 */
export class SnapshotPolicy {
  readonly #factor: number;
  readonly #min: number;
  readonly #max: number;
  /** The deprecated fixed count (`snapshotEntries`), which replaces the size rule when set. */
  readonly #everyEntries: number | undefined;
  #entries = 0;
  #bytes = 0;
  #snapshotBytes: number;

  /**
   * @param lastSnapshotBytes size of the snapshot the node started from (0 without one)
   * @param everyEntries the deprecated `snapshotEntries`: snapshot every this many applied entries instead
   */
  constructor(options: SnapshotPolicyOptions = {}, lastSnapshotBytes = 0, everyEntries?: number) {
    const factor = options.logSizeFactor ?? defaults.logSizeFactor;
    const min = options.minLogBytes ?? defaults.minLogBytes;
    const max = options.maxLogBytes ?? defaults.maxLogBytes;
    if (!(factor > 0) || !Number.isFinite(factor)) {
      throw invalid(`snapshotPolicy.logSizeFactor must be a positive number, got ${factor}`);
    }
    if (!(min >= 0) || !(max >= min) || !Number.isFinite(max)) {
      throw invalid(`snapshotPolicy needs 0 <= minLogBytes <= maxLogBytes, got ${min} and ${max}`);
    }
    if (everyEntries !== undefined && !(Number.isInteger(everyEntries) && everyEntries > 0)) {
      throw invalid(`snapshotEntries must be a positive integer, got ${everyEntries}`);
    }
    this.#factor = factor;
    this.#min = min;
    this.#max = max;
    this.#everyEntries = everyEntries;
    this.#snapshotBytes = lastSnapshotBytes;
  }

  /** Bytes of entries applied since the last snapshot after which the next one is due. */
  get thresholdBytes(): number {
    return Math.min(this.#max, Math.max(this.#min, this.#factor * this.#snapshotBytes));
  }

  /** Bytes of entries applied since the last snapshot (data plus {@link ENTRY_OVERHEAD_BYTES} each). */
  get logBytes(): number {
    return this.#bytes;
  }

  /** Records one applied entry of `dataBytes` bytes of data. */
  applied(dataBytes: number): void {
    this.#entries++;
    this.#bytes += dataBytes + ENTRY_OVERHEAD_BYTES;
  }

  /** Whether a snapshot is due now. */
  due(): boolean {
    if (this.#everyEntries !== undefined) return this.#entries >= this.#everyEntries;
    return this.#bytes >= this.thresholdBytes;
  }

  /** A snapshot attempt failed: starts counting again, so the next try comes after as much log again. */
  retryLater(): void {
    this.#entries = 0;
    this.#bytes = 0;
  }

  /**
   * Records a snapshot of `snapshotBytes` bytes that covers everything applied so far (taken here or
   * received from the leader): the log since then starts empty.
   */
  taken(snapshotBytes: number): void {
    this.#snapshotBytes = snapshotBytes;
    this.#entries = 0;
    this.#bytes = 0;
  }
}
