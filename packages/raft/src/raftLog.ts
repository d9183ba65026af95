import { takeWithinBytes } from "./entryBatch.js";
import { EntryCache } from "./entryCache.js";
import { RaftError, RaftErrorCode } from "./errors.js";
import type { RaftCoreState } from "./raftOptions.js";
import { TermRuns } from "./termRuns.js";
import {
  type ConfState,
  type Entry,
  EntryType,
  MAX_TERM_BOUNDARIES,
  type Snapshot,
  type SnapshotMeta,
} from "./types.js";

/** What a log reads back from its storage (see {@link RaftCoreState.storage}). */
type LogStorage = NonNullable<RaftCoreState["storage"]>;

/**
 * A node's log (etcd-io/raft's `raftLog` and its `unstable` part): the entries after the latest snapshot,
 * term lookups across the snapshot boundary, truncation of a conflicting suffix, compaction, and which
 * entries (and which received snapshot) are not yet handed to storage.
 *
 * Indexes are absolute; `firstIndex() - 1` is covered by the snapshot (0 when there is none).
 *
 * With a storage that reads entries back, memory holds the terms of every entry (as runs), but the entries
 * themselves only from `#cache.start` on: every entry not yet durable, and durable ones up to `cacheBytes`.
 * Entries between the snapshot and the cache are durable, so storage returns exactly what the log holds
 * (a truncation never reaches below the durable index it lowers). Likewise the snapshot's bytes stay in
 * storage once it has them; until then a follower that needs the snapshot waits (etcd's
 * `ErrSnapshotTemporarilyUnavailable`).
 */
export class RaftLog {
  readonly #storage: LogStorage | undefined;
  /** Bytes of durable entries kept in memory: unbounded when storage cannot read them back. */
  readonly #cacheBytes: number;
  readonly #terms = new TermRuns();
  readonly #cache: EntryCache;
  /** Indexes of the membership changes in the log, increasing (a few: found without reading entries). */
  #confIndexes: number[] = [];
  #lastIndex: number;
  #snapIndex = 0;
  #snapTerm = 0;
  /** The latest snapshot's metadata (taken with {@link compact} or received with {@link restore}). */
  #snapMeta: SnapshotMeta | null = null;
  /** The latest snapshot with its bytes, while storage cannot hand them back (see {@link readSnapshot}). */
  #snapshot: Snapshot | null = null;
  /** First index not yet handed out by {@link takeUnstableEntries}. */
  #unstableFrom: number;
  /** A snapshot received from the leader that storage has not been given yet. */
  #pendingSnapshot: Snapshot | null = null;
  /** Entries up to this index are known durable (reported by {@link stableTo}); the rest may not be. */
  #stable: number;

  /** Loads the durable log: entries the snapshot covers are skipped, a gap is an error. */
  constructor(state: Pick<RaftCoreState, "snapshot" | "entries" | "storage"> = {}, cacheBytes = Infinity) {
    this.#storage = state.storage;
    this.#cacheBytes = state.storage?.entries ? cacheBytes : Infinity;
    if (state.snapshot) {
      this.#setSnapshot(state.snapshot);
      this.#snapIndex = state.snapshot.meta.index;
      this.#snapTerm = state.snapshot.meta.term;
    }
    this.#lastIndex = this.#snapIndex;
    this.#cache = new EntryCache(this.#snapIndex + 1);
    for (const e of state.entries ?? []) {
      if (e.index <= this.#snapIndex) continue;
      if (e.index !== this.lastIndex() + 1) throw new Error(`storage returned a gap at index ${e.index}`);
      this.#push(e);
    }
    this.#unstableFrom = this.lastIndex() + 1;
    this.#stable = this.lastIndex();
    this.#evict();
  }

  /** Index of the last entry (the snapshot's index when the log is empty). */
  lastIndex(): number {
    return this.#lastIndex;
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
    return this.#terms.at(i);
  }
  /**
   * Entries in [lo, hi] (hi capped at the last index), stopping before the one that would bring their data
   * over `maxBytes` (the first is always included); lo must be > the snapshot index. Entries older than
   * the cache are read from storage.
   */
  slice(lo: number, hi: number, maxBytes = Infinity): Entry[] {
    const last = Math.min(hi, this.lastIndex());
    if (lo > last) return [];
    if (lo <= this.#snapIndex)
      throw new Error(`raft: entry ${lo} is compacted (first is ${this.firstIndex()})`);
    const out: Entry[] = [];
    const cached = this.#cache.start;
    if (lo < cached) {
      this.#readStored(lo, Math.min(last, cached - 1), maxBytes, out);
      // Stopped by the byte limit before reaching the cache.
      if (out[out.length - 1]!.index < Math.min(last, cached - 1)) return out;
    }
    if (last < cached) return out;
    const held = this.#cache.range(Math.max(lo, cached), last);
    return out.length === 0 && maxBytes === Infinity ? held : takeWithinBytes(held, maxBytes, out);
  }
  #readStored(lo: number, hi: number, maxBytes: number, out: Entry[]): void {
    const stored = this.#storage!.entries!(lo, hi, maxBytes);
    for (let k = 0; k < stored.length; k++) {
      if (stored[k]!.index !== lo + k || k > hi - lo) break;
      out.push(stored[k]!);
    }
    if (out.length === 0 || out.length < stored.length) {
      throw new RaftError(
        RaftErrorCode.Storage,
        `storage returned ${stored.length} entries from ${stored[0]?.index ?? "none"} for [${lo}, ${hi}]: the log is not what was saved`,
      );
    }
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
  /** Indexes of the membership changes in [lo, hi]. */
  confChangesIn(lo: number, hi: number): number[] {
    return this.#confIndexes.filter((i) => i >= lo && i <= hi);
  }

  /**
   * Appends `entries` (consecutive), first truncating every entry from `entries[0].index` on. Truncating a
   * committed entry (at or below `commit`) would break safety and throws.
   */
  append(entries: Entry[], commit: number): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    if (first <= commit) throw new Error(`raft: truncating committed entry ${first} <= ${commit}`);
    this.#truncateFrom(first);
    for (const e of entries) this.#push(e);
    this.#unstableFrom = Math.min(this.#unstableFrom, first);
    this.#stable = Math.min(this.#stable, first - 1);
  }
  #truncateFrom(first: number): void {
    this.#terms.truncateFrom(first);
    this.#cache.truncateFrom(first);
    while (this.#confIndexes.length > 0 && this.#confIndexes[this.#confIndexes.length - 1]! >= first) {
      this.#confIndexes.pop();
    }
    this.#lastIndex = first - 1;
  }
  #push(e: Entry): void {
    this.#terms.push(e.index, e.term);
    this.#cache.push(e);
    if (e.type === EntryType.ConfChange) this.#confIndexes.push(e.index);
    this.#lastIndex = e.index;
  }

  /**
   * Storage reports the log durable up to entry (`index`, `term`) — the last entry of a persisted Ready.
   * Ignored when the log no longer holds that entry (truncated since): by log matching, the same index and
   * term mean the same prefix, so the in-memory log up to `index` is then exactly what is on disk.
   */
  stableTo(index: number, term: number): void {
    if (index > this.#stable && this.termAt(index) === term) {
      this.#stable = index;
      this.#evict();
    }
  }
  /** The index up to which this log is known durable. */
  stableIndex(): number {
    return this.#stable;
  }
  /** Drops durable entries beyond the cache's bytes: storage hands them back. */
  #evict(): void {
    if (this.#cache.bytes > this.#cacheBytes) this.#cache.evict(this.#cacheBytes, this.#stable);
  }

  /** The latest snapshot's metadata (taken with {@link compact} or received with {@link restore}). */
  snapshotMeta(): SnapshotMeta | null {
    return this.#snapMeta;
  }
  /**
   * The latest snapshot with its bytes, read from storage unless held; undefined when there is none, or
   * while storage does not have it yet.
   */
  readSnapshot(): Snapshot | undefined {
    const meta = this.#snapMeta;
    if (!meta) return undefined;
    if (this.#snapshot) return this.#snapshot;
    if (this.#pendingSnapshot?.meta.index === meta.index) return this.#pendingSnapshot;
    const data = this.#storage?.snapshotData?.(meta.index);
    return data ? { meta, data } : undefined;
  }
  /** Records `snap` as the latest snapshot, holding its bytes only when storage cannot hand them back. */
  #setSnapshot(snap: Snapshot): void {
    this.#snapMeta = snap.meta;
    this.#snapshot = this.#storage?.snapshotData ? null : snap;
  }

  /** Replaces the whole log with a snapshot received from the leader; storage gets it in the next ready. */
  restore(snap: Snapshot): void {
    this.#terms.clear();
    this.#cache.reset(snap.meta.index + 1);
    this.#confIndexes = [];
    this.#lastIndex = snap.meta.index;
    this.#snapIndex = snap.meta.index;
    this.#snapTerm = snap.meta.term;
    this.#setSnapshot(snap);
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
    this.#setSnapshot(snap);
    const cut = Math.max(this.#snapIndex, index - keep);
    if (cut > this.#snapIndex) {
      this.#snapTerm = this.termAt(cut)!;
      this.#snapIndex = cut;
      this.#terms.dropTo(cut);
      this.#cache.dropTo(cut);
      this.#confIndexes = this.#confIndexes.filter((i) => i > cut);
    }
    return snap;
  }
  /** Term boundaries of the committed log up to `upTo` (applied): the last snapshot's, then the log's. */
  #termBoundaries(upTo: number): NonNullable<SnapshotMeta["terms"]> {
    const prev = this.#snapMeta;
    const out: NonNullable<SnapshotMeta["terms"]> = prev
      ? (prev.terms?.map(([i, t]) => [i, t] as [number, number]) ?? [[prev.index, prev.term]])
      : [];
    for (let i = Math.max((prev?.index ?? 0) + 1, this.firstIndex()); i <= upTo; i++) {
      const t = this.termAt(i)!;
      if (out.length === 0 || out[out.length - 1]![1] !== t) out.push([i, t]);
    }
    return out.slice(-MAX_TERM_BOUNDARIES);
  }
  /** The index up to which entries were dropped from the log (the log's snapshot index). */
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

  /** The entries of the log (read from storage where not held). */
  all(): Entry[] {
    return this.slice(this.firstIndex(), this.lastIndex());
  }
}
