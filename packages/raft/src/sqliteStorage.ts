import { closeSync, constants, fdatasync, openSync } from "node:fs";
import Database from "better-sqlite3";
import { takeWithinBytes } from "./entryBatch.js";
import { RaftError, RaftErrorCode } from "./errors.js";
import { LazyCommit } from "./lazyCommit.js";
import {
  type EntryRow,
  type HardStateRow,
  type SnapshotRow,
  toEntries,
  toEntry,
  toHardState,
} from "./sqliteRows.js";
import type { RaftStorage, StorageUpdate, StoredState } from "./storage.js";
import {
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type Snapshot,
  type SnapshotMeta,
} from "./types.js";
import { WalCheckpointer, type WalCheckpointerOptions } from "./walCheckpointer.js";
import { preallocateWal } from "./walPreallocation.js";

/** Options of {@link SqliteStorage}. */
export interface SqliteStorageOptions {
  /** Path of the database file (created if missing). */
  path: string;
  /**
   * A local snapshot is written in pieces of this size, one per event-loop turn, so that a multi-MB state
   * does not hold the loop for the whole write (see `saveSnapshot`).
   * @default 262144 (256 KiB)
   */
  snapshotWriteChunkBytes?: number;
  /**
   * Runs WAL checkpoints off the event loop ({@link WalCheckpointer}, on the one checkpoint thread every
   * checkpointer of the process shares) instead of inside the `save` that crosses SQLite's 1000 WAL pages,
   * which holds the event loop while it copies and syncs: `true`, or the checkpointer's options. `close()`
   * stops checkpointing this file.
   * @default false (SQLite's automatic checkpoints)
   */
  checkpointer?: boolean | Omit<WalCheckpointerOptions, "path">;
  /**
   * The WAL file is grown to this size on open and kept at it ({@link preallocateWal}), so that a synced
   * commit overwrites allocated space instead of growing the file: twice what SQLite's automatic checkpoint,
   * and the checkpointer's default threshold, let it hold (1000 pages of 4 KiB), so a checkpoint that
   * falls behind once still writes into it. 0 lets the file grow from empty, as SQLite does by itself.
   * @default 8388608 (8 MiB)
   */
  walPreallocateBytes?: number;
}

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Durable Raft storage in SQLite (better-sqlite3), WAL mode with `synchronous=FULL`: every `save` is one
 * transaction that is on disk (fsynced) when it returns, so term, vote and entries are durable before the
 * node sends the vote or acknowledgement that depends on them. SQLite's WAL checksums discard a torn
 * last write on recovery, so a `kill -9` or power loss leaves the last fully written update. The commit
 * index is volatile state (Raft paper, Figure 2): the hard state row is written only when the term or vote
 * changes (a synced write that happens anyway), when the commit index passes a configuration change
 * ({@link LazyCommit}) and by `load()` and `close()`; a commit index alone stays in memory. A crash loses it
 * back to the one last written (never a newer one), and the node learns it again from the leader (a
 * single node commits its new term's first entry, and with it the rest). That spares
 * every write a second page (the entry's, then the `hard_state` row's) and a commit-only update its own
 * transaction. `sync: false` updates (a leader's new entries) are committed with `synchronous=NORMAL`:
 * written to the WAL but not synced; {@link sync} (`fdatasync` of the WAL off the event loop) or the next
 * synced commit makes them durable.
 *
 * A snapshot the node took itself is written in pieces across event-loop turns (a 35 MB state took
 * 200–900 ms in one transaction): its chunks go to `snapshot_chunks` (each synced), then one synced
 * transaction points `snapshot` at them. Until that commit the previous snapshot stays the valid one, and
 * chunks no `snapshot` row points at are never read, so a crash mid-way leaves the old snapshot and its
 * entries. The entries the new one covers (never loaded again) and the old chunks are dropped afterwards,
 * a few per turn. Files written before (the whole snapshot in `snapshot.data`) load as they are.
 *
 * @example
 * const storage = new SqliteStorage({ path: "/var/lib/app/raft.db" });
 */
export class SqliteStorage implements RaftStorage {
  readonly #db: Database.Database;
  readonly #save: (u: StorageUpdate) => void;
  readonly #switchSnap: (s: Snapshot, chunks: number) => boolean;
  readonly #dropEntries: Database.Statement;
  readonly #snapIndex: () => number | undefined;
  readonly #putChunk: Database.Statement;
  readonly #dropChunks: Database.Statement;
  readonly #chunkBytes: number;
  readonly #checkpointer: WalCheckpointer | undefined;
  readonly #entryRange: Database.Statement<[number, number], EntryRow>;
  readonly #snapshotRow: Database.Statement<[], SnapshotRow>;
  readonly #snapshotBlob: Database.Statement<[], { data: Buffer }>;
  /** The newest hard state not written yet: only its commit index differs from the stored row's. */
  #pendingHardState: HardState | undefined;
  readonly #lazy: LazyCommit;
  /** At least the highest index stored: an append past it has nothing of the log to overwrite. */
  #lastStored: number;
  /** Whether the connection is at `synchronous=NORMAL` (switched only when a save needs the other mode). */
  #syncOff = false;
  readonly #walPath: string;
  /** The `-wal` file, opened on the first {@link sync}. */
  #walFd: number | undefined;

  constructor(options: SqliteStorageOptions) {
    const chunkBytes = options.snapshotWriteChunkBytes ?? 256 * 1024;
    if (!(Number.isInteger(chunkBytes) && chunkBytes > 0)) {
      throw new RaftError(
        RaftErrorCode.InvalidOption,
        `snapshotWriteChunkBytes must be a positive integer, got ${chunkBytes}`,
      );
    }
    this.#chunkBytes = chunkBytes;
    const walBytes = options.walPreallocateBytes ?? 8 * 1024 * 1024;
    if (!(Number.isInteger(walBytes) && walBytes >= 0)) {
      throw new RaftError(
        RaftErrorCode.InvalidOption,
        `walPreallocateBytes must be a non-negative integer, got ${walBytes}`,
      );
    }
    const db = new Database(options.path);
    this.#db = db;
    this.#walPath = `${options.path}-wal`;
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    // better-sqlite3 builds SQLite with a page cache of up to 16,000 KiB per connection, which a log
    // that is appended to and read back only on a restart or a lagging follower fills with pages it
    // never reads again.
    db.pragma("cache_size = -4000");
    db.exec(`
      CREATE TABLE IF NOT EXISTS hard_state (id INTEGER PRIMARY KEY CHECK (id = 1), term INTEGER NOT NULL, vote TEXT, commit_index INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, type INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), idx INTEGER NOT NULL, term INTEGER NOT NULL, conf TEXT NOT NULL, data BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS snapshot_chunks (idx INTEGER NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (idx, seq));
    `);
    if (walBytes > 0) preallocateWal(db, `${options.path}-wal`, walBytes);
    if (options.checkpointer) {
      db.pragma("wal_autocheckpoint = 0");
      this.#checkpointer = new WalCheckpointer({
        ...(walBytes > 0 && { walBytes }),
        ...(options.checkpointer === true ? {} : options.checkpointer),
        path: options.path,
      });
    }
    // Files written before snapshots carried term boundaries lack the column; NULL means "none known".
    const columns = db.prepare<[], { name: string }>("PRAGMA table_info(snapshot)").all();
    if (!columns.some((c) => c.name === "terms")) db.exec("ALTER TABLE snapshot ADD COLUMN terms TEXT");
    // NULL: the snapshot is in `data` (received ones, and every one written before chunked writes).
    if (!columns.some((c) => c.name === "chunks")) db.exec("ALTER TABLE snapshot ADD COLUMN chunks INTEGER");
    const putHard = db.prepare(
      "INSERT INTO hard_state (id, term, vote, commit_index) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET term = excluded.term, vote = excluded.vote, commit_index = excluded.commit_index",
    );
    const row = db
      .prepare<[], HardStateRow>("SELECT term, vote, commit_index FROM hard_state WHERE id = 1")
      .get();
    const changes = db
      .prepare<[number, number], EntryRow>(
        "SELECT idx, term, type, data FROM entries WHERE type = ? AND idx > ?",
      )
      .all(EntryType.ConfChange, row?.commit_index ?? 0);
    this.#lazy = new LazyCommit(row && toHardState(row), changes.map(toEntry));
    const truncateFrom = db.prepare("DELETE FROM entries WHERE idx >= ?");
    this.#lastStored =
      db.prepare<[], { last: number | null }>("SELECT MAX(idx) AS last FROM entries").get()?.last ?? 0;
    // A bounded run of the oldest entries at a time: tens of MB of them at once would hold the loop.
    this.#dropEntries = db.prepare(
      "DELETE FROM entries WHERE idx <= ? AND idx < (SELECT MIN(idx) FROM entries) + 256",
    );
    const deleteAll = db.prepare("DELETE FROM entries");
    const putEntry = db.prepare("INSERT INTO entries (idx, term, type, data) VALUES (?, ?, ?, ?)");
    const putSnap = db.prepare(
      "INSERT INTO snapshot (id, idx, term, conf, data, terms, chunks) VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET idx = excluded.idx, term = excluded.term, conf = excluded.conf, data = excluded.data, terms = excluded.terms, chunks = excluded.chunks",
    );
    const getSnapIndex = db.prepare<[], { idx: number }>("SELECT idx FROM snapshot WHERE id = 1");
    this.#entryRange = db.prepare(
      "SELECT idx, term, type, data FROM entries WHERE idx >= ? AND idx <= ? ORDER BY idx",
    );
    // The metadata apart from the bytes: checking which snapshot is stored must not read megabytes.
    this.#snapshotRow = db.prepare("SELECT idx, term, conf, terms, chunks FROM snapshot WHERE id = 1");
    this.#snapshotBlob = db.prepare("SELECT data FROM snapshot WHERE id = 1");
    this.#snapIndex = () => getSnapIndex.get()?.idx;
    this.#putChunk = db.prepare("INSERT OR REPLACE INTO snapshot_chunks (idx, seq, data) VALUES (?, ?, ?)");
    // A few chunks per statement: dropping a whole multi-MB snapshot at once would hold the loop again.
    this.#dropChunks = db.prepare(
      "DELETE FROM snapshot_chunks WHERE rowid IN (SELECT rowid FROM snapshot_chunks WHERE idx IS NOT ? LIMIT 4)",
    );
    const writeSnap = (s: Snapshot, chunks: number | null) =>
      putSnap.run(
        s.meta.index,
        s.meta.term,
        JSON.stringify(s.meta.conf),
        chunks === null ? Buffer.from(s.data) : Buffer.alloc(0),
        s.meta.terms ? JSON.stringify(s.meta.terms) : null,
        chunks,
      );
    this.#save = db.transaction((u: StorageUpdate) => {
      if (u.snapshot) {
        // Chunks of an older local snapshot are left for the next `saveSnapshot` to drop bit by bit.
        writeSnap(u.snapshot, null);
        deleteAll.run();
      }
      if (u.entries.length > 0) {
        // Only a follower whose log conflicts with its leader's overwrites entries (Raft §5.3); a
        // write that appends, nearly every one, skips the statement.
        if (u.entries[0]!.index <= this.#lastStored) truncateFrom.run(u.entries[0]!.index);
        for (const e of u.entries) putEntry.run(e.index, e.term, e.type, Buffer.from(e.data));
        // Never lowered: after a rolled-back or truncating write, too high only costs a needless DELETE.
        this.#lastStored = Math.max(this.#lastStored, u.entries.at(-1)!.index);
      }
      if (u.hardState) {
        putHard.run(u.hardState.term, u.hardState.vote, u.hardState.commit);
        this.#lazy.written(u.hardState);
      }
    });
    this.#switchSnap = db.transaction((s: Snapshot, chunks: number) => {
      const cur = getSnapIndex.get();
      if (cur && cur.idx >= s.meta.index) return false;
      writeSnap(s, chunks);
      return true;
    });
  }

  load(): StoredState {
    this.#flushPendingHardState();
    const hard = this.#db
      .prepare<[], HardStateRow>("SELECT term, vote, commit_index FROM hard_state WHERE id = 1")
      .get();
    const snap = this.#snapshotRow.get();
    const after = snap?.idx ?? 0;
    const entries = this.#entryRange.all(after + 1, Number.MAX_SAFE_INTEGER).map(toEntry);
    const out: StoredState = { entries };
    if (hard) out.hardState = toHardState(hard);
    if (snap) {
      const meta: SnapshotMeta = {
        index: snap.idx,
        term: snap.term,
        conf: JSON.parse(snap.conf) as ConfState,
      };
      if (snap.terms !== null) meta.terms = JSON.parse(snap.terms) as NonNullable<SnapshotMeta["terms"]>;
      out.snapshot = { meta, data: this.#snapshotBytes(snap) };
    }
    return out;
  }

  /** Stored entries in [lo, hi] within `maxBytes` (see `RaftStorage.entries`), read row by row. */
  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return takeWithinBytes(toEntries(this.#entryRange.iterate(lo, hi)), maxBytes);
  }

  /** The stored snapshot's bytes if it is the one at `index` (see `RaftStorage.snapshotData`). */
  snapshotData(index: number): Uint8Array | undefined {
    const snap = this.#snapshotRow.get();
    return snap?.idx === index ? this.#snapshotBytes(snap) : undefined;
  }

  #snapshotBytes(snap: SnapshotRow): Uint8Array {
    const data =
      snap.chunks === null ? this.#snapshotBlob.get()!.data : this.#readChunks(snap.idx, snap.chunks);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  save(update: StorageUpdate): void {
    const synced = update.sync !== false;
    const write: StorageUpdate = { entries: update.entries };
    if (update.snapshot) write.snapshot = update.snapshot;
    const nothingElse = write.entries.length === 0 && !write.snapshot;
    const hard = update.hardState ?? this.#pendingHardState;
    // Called for every save: it notes the configuration changes among the entries.
    const must = this.#lazy.mustWrite(hard, update.entries);
    // A hard state that moved only the commit index is kept in memory (see the class doc), unless a synced
    // save has nothing else to write: it still commits, which makes the earlier unsynced ones durable.
    if (hard && (must || (synced && nothingElse))) write.hardState = hard;
    this.#pendingHardState = write.hardState ? undefined : hard;
    if (synced || !nothingElse || write.hardState) this.#run(synced, write);
  }

  /** One `save` transaction, at `synchronous=FULL` when `synced`, else NORMAL. */
  #run(synced: boolean, write: StorageUpdate): void {
    this.#mode(synced);
    this.#save(write);
  }

  /** Sets `synchronous` for the next commits: FULL (synced) or NORMAL, with a statement only on a change. */
  #mode(synced: boolean): void {
    if (this.#syncOff !== synced) return;
    // Not a statement prepared once: one prepared before the tables existed did not apply on its first run
    // (SQLite recompiled it then), and switching only on a change of mode would have stayed at FULL.
    this.#db.pragma(synced ? "synchronous = FULL" : "synchronous = NORMAL");
    this.#syncOff = !synced;
  }

  /**
   * Makes every `save` so far durable with an `fdatasync` of the `-wal` file on libuv's thread pool, so the
   * event loop keeps running meanwhile (see {@link RaftStorage.sync}). A `sync: false` save was committed
   * with `synchronous=NORMAL`: its frames are in the WAL file, unsynced, and flushing the file's pages (any
   * fd flushes the inode's) is exactly what `synchronous=FULL` would have done at commit. SQLite removes
   * the WAL file only when the last connection closes, and this one stays open until {@link close}, so the
   * fd stays the file's; when SQLite starts the WAL over it rewrites the same file in place.
   */
  sync(): Promise<void> {
    if (!this.#db.open) return Promise.reject(new RaftError(RaftErrorCode.Storage, "storage is closed"));
    this.#walFd ??= openSync(this.#walPath, constants.O_RDWR);
    const fd = this.#walFd;
    return new Promise((resolve, reject) => {
      fdatasync(fd, (error) => {
        if (error)
          reject(new RaftError(RaftErrorCode.Storage, "syncing the raft log failed", { cause: error }));
        else resolve();
      });
    });
  }

  /** Writes a commit index {@link save} kept back, unsynced: before a `load` or `close` reads or ends the file. */
  #flushPendingHardState(): void {
    const hardState = this.#pendingHardState;
    if (!hardState || !this.#db.open) return;
    this.#pendingHardState = undefined;
    this.#run(false, { entries: [], hardState });
  }

  #readChunks(idx: number, chunks: number): Buffer {
    const rows = this.#db
      .prepare<[number], { data: Buffer }>("SELECT data FROM snapshot_chunks WHERE idx = ? ORDER BY seq")
      .all(idx);
    // The switch commits only after every chunk, so a mismatch is a damaged file, not a torn write.
    if (rows.length !== chunks) {
      throw new RaftError(
        RaftErrorCode.Storage,
        `snapshot ${idx} has ${rows.length} of its ${chunks} chunks: the database file is damaged`,
      );
    }
    return Buffer.concat(rows.map((r) => r.data));
  }

  /**
   * Writes a local snapshot in chunks, one per event-loop turn, then makes it the snapshot in one synced
   * transaction; a snapshot not newer than the stored one (a newer one arrived from the leader
   * meanwhile) is dropped instead. The chunks of the snapshot it replaces and the entries up to
   * `compactTo` are dropped afterwards, a few per turn. One call at a time.
   */
  async saveSnapshot(snapshot: Snapshot, compactTo: number): Promise<void> {
    const index = snapshot.meta.index;
    if ((this.#snapIndex() ?? 0) >= index) return;
    // Chunks a crash or a superseded write left behind: nothing points at them.
    if (!(await this.#dropChunksExcept(this.#snapIndex()))) return;
    const { data } = snapshot;
    let chunks = 0;
    for (let off = 0; off < data.length; off += this.#chunkBytes) {
      const piece = data.subarray(off, Math.min(data.length, off + this.#chunkBytes));
      // Synced one by one: syncing them all with the switch would wait for the whole snapshot at once.
      this.#mode(true);
      this.#putChunk.run(index, chunks, Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
      chunks++;
      await yieldTurn();
      if (!this.#db.open) return;
    }
    this.#mode(true);
    const switched = this.#switchSnap(snapshot, chunks);
    if (!(await this.#dropChunksExcept(switched ? index : this.#snapIndex()))) return;
    // Entries the snapshot covers are never loaded again (load reads those after it), so dropping them
    // is only reclaiming space: bit by bit, after the switch; a crash meanwhile leaves them to the next.
    if (switched) await this.#dropEntriesUpTo(compactTo);
  }

  #dropEntry(compactTo: number): number {
    this.#mode(false);
    return this.#dropEntries.run(compactTo).changes;
  }

  async #dropEntriesUpTo(compactTo: number): Promise<void> {
    while (this.#db.open && this.#dropEntry(compactTo) > 0) {
      await yieldTurn();
    }
  }

  /** Drops every chunk not of snapshot `keep`, a few per turn; false once the database is closed. */
  async #dropChunksExcept(keep: number | undefined): Promise<boolean> {
    for (;;) {
      if (!this.#db.open) return false;
      this.#mode(false);
      const { changes } = this.#dropChunks.run(keep ?? null);
      if (changes === 0) return true;
      await yieldTurn();
    }
  }

  /** Closes the database; with a `checkpointer`, resolves once it has stopped checkpointing this file. */
  close(): Promise<void> {
    this.#flushPendingHardState();
    if (this.#walFd !== undefined) closeSync(this.#walFd);
    this.#walFd = undefined;
    if (this.#db.open) this.#db.close();
    return this.#checkpointer?.close() ?? Promise.resolve();
  }
}
