import {
  type ConfState,
  type Entry,
  MAX_TERM_BOUNDARIES,
  type Snapshot,
  type SnapshotMeta,
} from "./types.js";

/**
 * A node's log (etcd-io/raft's `raftLog` and its `unstable` part): the entries after the latest snapshot,
 * term lookups across the snapshot boundary, truncation of a conflicting suffix, compaction, and which
 * entries (and which received snapshot) are not yet handed to storage.
 *
 * Indexes are absolute; `firstIndex() - 1` is covered by the snapshot (0 when there is none).
 */
export class RaftLog {
  #entries: Entry[] = [];
  #snapIndex = 0;
  #snapTerm = 0;
  #snapshot: Snapshot | null = null;
  /** First index not yet handed out by {@link takeUnstableEntries}. */
  #unstableFrom: number;
  /** A snapshot received from the leader that storage has not been given yet. */
  #pendingSnapshot: Snapshot | null = null;
  /** Entries up to this index are known durable (reported by {@link stableTo}); the rest may not be. */
  #stable: number;

  /** Loads the durable log: entries the snapshot covers are skipped, a gap is an error. */
  constructor(state: { snapshot?: Snapshot; entries?: Entry[] } = {}) {
    if (state.snapshot) {
      this.#snapshot = state.snapshot;
      this.#snapIndex = state.snapshot.meta.index;
      this.#snapTerm = state.snapshot.meta.term;
    }
    for (const e of state.entries ?? []) {
      if (e.index <= this.#snapIndex) continue;
      if (e.index !== this.lastIndex() + 1) throw new Error(`storage returned a gap at index ${e.index}`);
      this.#entries.push(e);
    }
    this.#unstableFrom = this.lastIndex() + 1;
    this.#stable = this.lastIndex();
  }

  /** Index of the last entry (the snapshot's index when the log is empty). */
  lastIndex(): number {
    return this.#snapIndex + this.#entries.length;
  }
  /** Term of the last entry. */
  lastTerm(): number {
    return this.termAt(this.lastIndex())!;
  }
  /** Index of the first entry still in the log (entries before it are in the snapshot). */
  firstIndex(): number {
    return this.#snapIndex + 1;
  }
  /** Term of the entry at `i`, or undefined when compacted or beyond the log. */
  termAt(i: number): number | undefined {
    if (i === this.#snapIndex) return this.#snapTerm;
    if (i < this.#snapIndex || i > this.lastIndex()) return undefined;
    return this.#entries[i - this.#snapIndex - 1]!.term;
  }
  /** The entry at `i`, or undefined when compacted or beyond the log. */
  entry(i: number): Entry | undefined {
    return this.#entries[i - this.#snapIndex - 1];
  }
  /** Entries in [lo, hi]; lo must be > the snapshot index. */
  slice(lo: number, hi: number): Entry[] {
    return this.#entries.slice(lo - this.#snapIndex - 1, hi - this.#snapIndex);
  }
  /** Whether the entry at `i` has term `t`. */
  matchTerm(i: number, t: number): boolean {
    return this.termAt(i) === t;
  }
  /** Whether a log ending at (`lastTerm`, `lastIndex`) is at least as up to date as this one (§5.4.1). */
  isUpToDate(lastTerm: number, lastIndex: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }
  /**
   * The highest index at or below `index` whose term is at most `term`: where a log that rejected an
   * append with that term can match (skips a whole term per round trip instead of one entry).
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    while (i > this.#snapIndex && (this.termAt(i) ?? 0) > term) i--;
    return i;
  }

  /**
   * Appends `entries` (consecutive), first truncating every entry from `entries[0].index` on. Truncating a
   * committed entry (at or below `commit`) would break safety and throws.
   */
  append(entries: Entry[], commit: number): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    if (first <= commit) throw new Error(`raft: truncating committed entry ${first} <= ${commit}`);
    this.#entries.length = first - this.#snapIndex - 1;
    for (const e of entries) this.#entries.push(e);
    this.#unstableFrom = Math.min(this.#unstableFrom, first);
    this.#stable = Math.min(this.#stable, first - 1);
  }

  /**
   * Storage reports the log durable up to entry (`index`, `term`) — the last entry of a persisted Ready.
   * Ignored when the log no longer holds that entry (truncated since): by log matching, the same index and
   * term mean the same prefix, so the in-memory log up to `index` is then exactly what is on disk.
   */
  stableTo(index: number, term: number): void {
    if (index > this.#stable && this.termAt(index) === term) this.#stable = index;
  }
  /** The index up to which this log is known durable. */
  stableIndex(): number {
    return this.#stable;
  }

  /** The latest snapshot (taken with {@link compact} or received with {@link restore}). */
  snapshot(): Snapshot | null {
    return this.#snapshot;
  }

  /** Replaces the whole log with a snapshot received from the leader; storage gets it in the next ready. */
  restore(snap: Snapshot): void {
    this.#entries = [];
    this.#snapIndex = snap.meta.index;
    this.#snapTerm = snap.meta.term;
    this.#snapshot = snap;
    this.#unstableFrom = snap.meta.index + 1;
    this.#pendingSnapshot = snap;
    // Durable again once storage has the snapshot (reported through stableTo with its index and term).
    this.#stable = 0;
  }

  /**
   * Records a snapshot of the state machine at `index` (applied, so within the log) with membership `conf`,
   * and drops the entries it covers except the last `keep`.
   */
  compact(index: number, conf: ConfState, data: Uint8Array, keep: number): Snapshot {
    const term = this.termAt(index);
    if (term === undefined) throw new Error(`raft: cannot snapshot at compacted index ${index}`);
    const snap: Snapshot = { meta: { index, term, conf, terms: this.#termBoundaries(index) }, data };
    this.#snapshot = snap;
    const cut = Math.max(this.#snapIndex, index - keep);
    if (cut > this.#snapIndex) {
      const cutTerm = this.termAt(cut)!;
      this.#entries = this.#entries.slice(cut - this.#snapIndex);
      this.#snapIndex = cut;
      this.#snapTerm = cutTerm;
    }
    return snap;
  }
  /** Term boundaries of the committed log up to `upTo` (applied): the last snapshot's, then the log's. */
  #termBoundaries(upTo: number): NonNullable<SnapshotMeta["terms"]> {
    const prev = this.#snapshot?.meta;
    const out: NonNullable<SnapshotMeta["terms"]> = prev
      ? (prev.terms?.map(([i, t]) => [i, t] as [number, number]) ?? [[prev.index, prev.term]])
      : [];
    for (let i = Math.max((prev?.index ?? 0) + 1, this.firstIndex()); i <= upTo; i++) {
      const t = this.termAt(i)!;
      if (out.length === 0 || out[out.length - 1]![1] !== t) out.push([i, t]);
    }
    return out.slice(-MAX_TERM_BOUNDARIES);
  }
  /** The index up to which entries were dropped from memory (the log's snapshot index). */
  compactedIndex(): number {
    return this.#snapIndex;
  }

  /** Whether entries or a received snapshot wait to be handed to storage. */
  hasUnstable(): boolean {
    return this.#unstableFrom <= this.lastIndex() || this.#pendingSnapshot !== null;
  }
  /** Hands out the received snapshot storage has not been given yet, if any. */
  takePendingSnapshot(): Snapshot | null {
    const snap = this.#pendingSnapshot;
    this.#pendingSnapshot = null;
    return snap;
  }
  /** Hands out the entries storage has not been given yet (since the last call or a truncation). */
  takeUnstableEntries(): Entry[] {
    const out =
      this.#unstableFrom <= this.lastIndex()
        ? this.slice(Math.max(this.#unstableFrom, this.firstIndex()), this.lastIndex())
        : [];
    this.#unstableFrom = this.lastIndex() + 1;
    return out;
  }

  /** A copy of the in-memory entries. */
  all(): Entry[] {
    return this.#entries.slice();
  }
}
