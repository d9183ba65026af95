import { takeWithinBytes } from "./entryBatch.js";
import type { LazyCommit } from "./lazyCommit.js";
import type { Entry, HardState, Ready, Snapshot } from "./types.js";

/** What a storage hands back on start. */
export interface StoredState {
  /**
   * Term and vote as last saved; the commit index may be an older one (never a newer one): it is volatile
   * state (Raft paper, Figure 2), which a storage may keep back, and the node learns it again from the leader
   * — but not behind a configuration change it passed, which a restarted node's membership comes from
   * (see {@link LazyCommit}).
   */
  hardState?: HardState;
  snapshot?: Snapshot;
  /** The entries after the snapshot (or from index 1), contiguous. */
  entries: Entry[];
}

/** One durable write: everything a `Ready` asks to persist. */
export interface StorageUpdate {
  hardState?: HardState;
  /** Entries to append; stored entries with index >= entries[0].index are discarded first. */
  entries: Entry[];
  /** A snapshot received from the leader: replaces every stored entry it covers (and any conflicting). */
  snapshot?: Snapshot;
  /**
   * `false` when the update need not be durable when `save` returns (no fsync needed), only ordered after
   * earlier updates: one that only moves the commit index, or a leader's new entries that a later
   * {@link RaftStorage.sync} makes durable. Absent means durable. A storage may ignore it and always sync.
   */
  sync?: boolean;
}

/**
 * The write a Ready asks for: its snapshot, entries and hard state, synced when it must be — unless
 * `syncLater`, when the caller makes it durable afterwards with {@link RaftStorage.sync}.
 */
export function readyUpdate(rd: Ready, syncLater = false): StorageUpdate {
  return {
    entries: rd.entries,
    ...(rd.hardState ? { hardState: rd.hardState } : {}),
    ...(rd.snapshot ? { snapshot: rd.snapshot } : {}),
    ...(rd.mustSync && !syncLater ? {} : { sync: false }),
  };
}

/**
 * Durable Raft state. Implementations must make an update durable (fsync or equivalent) before the promise
 * resolves, unless it says `sync: false`: the node sends votes and acknowledgements only afterwards. Updates
 * are ordered: once one is durable, so is every update saved before it (a synced save also makes earlier
 * `sync: false` ones durable).
 */
export interface RaftStorage {
  /** Loads the durable state (empty for a new node). */
  load(): StoredState | Promise<StoredState>;
  /** Persists one update atomically and durably. */
  save(update: StorageUpdate): void | Promise<void>;
  /**
   * Persists a locally taken snapshot and discards stored entries up to `compactTo` (≤ snapshot index;
   * entries between are kept for slow followers).
   */
  saveSnapshot(snapshot: Snapshot, compactTo: number): void | Promise<void>;
  /**
   * The stored entries in [`lo`, `hi`], in order, stopping before the one that would bring their data over
   * `maxBytes` (the first is always returned). Synchronous: the core calls it while it steps. The core asks
   * only for entries it was told are durable (reported through `advance`) and not compacted away.
   *
   * Optional: without it the core keeps every entry after the snapshot in memory; with it, only the entries
   * not yet durable and a bounded tail (`RaftCoreOptions.logCacheBytes`), and reads older ones back here
   * when a lagging follower or the state machine needs them.
   */
  entries?(lo: number, hi: number, maxBytes: number): Entry[];
  /**
   * The bytes of the stored snapshot if it is the one at `index`; undefined while that one is not stored
   * yet (a local snapshot still being written, a received one not yet saved). Synchronous.
   *
   * Optional: without it the core keeps its latest snapshot's bytes in memory; with it, only the metadata,
   * and it reads the bytes here when a follower needs the snapshot.
   */
  snapshotData?(index: number): Uint8Array | undefined;
  /**
   * Makes every update saved so far durable, without holding the event loop (a thread does the fsync),
   * and resolves then; a rejection stops the node, as a failed `save` does.
   *
   * Optional: with it, a leader saves its new entries with `sync: false`, calls this, and keeps handling
   * messages meanwhile — followers' acknowledgements commit without its own write (Raft thesis §10.2.1),
   * which then joins the quorum once this resolves. Without it, the leader waits for a synced `save` as
   * every other write does. Votes, term changes, snapshots and followers' writes are synced `save`s always.
   */
  sync?(): Promise<void>;
  /** Releases resources. */
  close?(): void | Promise<void>;
}

function applyUpdate(state: StoredState, update: StorageUpdate): StoredState {
  let entries = state.entries;
  let snapshot = state.snapshot;
  if (update.snapshot) {
    snapshot = update.snapshot;
    entries = [];
  }
  if (update.entries.length > 0) {
    const first = update.entries[0]!.index;
    entries = entries.filter((e) => e.index < first).concat(update.entries);
  }
  const out: StoredState = { entries };
  const hardState = update.hardState ?? state.hardState;
  if (hardState) out.hardState = hardState;
  if (snapshot) out.snapshot = snapshot;
  return out;
}

/**
 * An in-memory {@link RaftStorage}: durable only as long as the object lives. The simulation keeps one per
 * node across simulated crashes, which is what "durable" means there.
 *
 * @example
 * const storage = new MemoryStorage();
 */
export class MemoryStorage implements RaftStorage {
  #state: StoredState = { entries: [] };

  load(): StoredState {
    return { ...this.#state, entries: this.#state.entries.slice() };
  }
  save(update: StorageUpdate): void {
    this.#state = applyUpdate(this.#state, update);
  }
  saveSnapshot(snapshot: Snapshot, compactTo: number): void {
    const cur = this.#state.snapshot;
    if (cur && cur.meta.index >= snapshot.meta.index) return;
    this.#state = {
      ...this.#state,
      snapshot,
      entries: this.#state.entries.filter((e) => e.index > compactTo),
    };
  }
  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const stored = this.#state.entries;
    const first = stored[0]?.index ?? 0;
    if (stored.length === 0 || lo < first) return [];
    return takeWithinBytes(stored.slice(lo - first, hi - first + 1), maxBytes);
  }
  snapshotData(index: number): Uint8Array | undefined {
    const snap = this.#state.snapshot;
    return snap?.meta.index === index ? snap.data : undefined;
  }
  /** Every save is as durable as the object already: resolves on the next turn, as a thread's fsync would. */
  sync(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }
  /** Number of stored entries (for tests). */
  entryCount(): number {
    return this.#state.entries.length;
  }
}
