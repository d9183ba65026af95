import Database from "better-sqlite3";
import type { RaftStorage, StorageUpdate, StoredState } from "./storage.js";
import type { ConfState, Entry, EntryType, HardState, Snapshot, SnapshotMeta } from "./types.js";

/** Options of {@link SqliteStorage}. */
export interface SqliteStorageOptions {
  /** Path of the database file (created if missing). */
  path: string;
}

interface EntryRow {
  idx: number;
  term: number;
  type: number;
  data: Buffer;
}

/**
 * Durable Raft storage in SQLite (better-sqlite3), WAL mode with `synchronous=FULL`: every `save` is one
 * transaction that is on disk (fsynced) when it returns, so term, vote and entries are durable before the
 * node sends the vote or acknowledgement that depends on them. SQLite's WAL checksums discard a torn
 * last write on recovery, so a `kill -9` or power loss leaves the last fully written update. An update with
 * `sync: false` (only the commit index moved) is committed with `synchronous=NORMAL`: written to the WAL but
 * not synced; the next synced commit syncs the WAL with it in it.
 *
 * @example
 * const storage = new SqliteStorage({ path: "/var/lib/app/raft.db" });
 */
export class SqliteStorage implements RaftStorage {
  readonly #db: Database.Database;
  readonly #save: (u: StorageUpdate) => void;
  readonly #saveSnap: (s: Snapshot, compactTo: number) => void;
  readonly #unsynced: Database.Statement;
  readonly #synced: Database.Statement;

  constructor(options: SqliteStorageOptions) {
    const db = new Database(options.path);
    this.#db = db;
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    this.#unsynced = db.prepare("PRAGMA synchronous = NORMAL");
    this.#synced = db.prepare("PRAGMA synchronous = FULL");
    db.exec(`
      CREATE TABLE IF NOT EXISTS hard_state (id INTEGER PRIMARY KEY CHECK (id = 1), term INTEGER NOT NULL, vote TEXT, commit_index INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, type INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), idx INTEGER NOT NULL, term INTEGER NOT NULL, conf TEXT NOT NULL, data BLOB NOT NULL);
    `);
    // Files written before snapshots carried term boundaries lack the column; NULL means "none known".
    const columns = db.prepare<[], { name: string }>("PRAGMA table_info(snapshot)").all();
    if (!columns.some((c) => c.name === "terms")) db.exec("ALTER TABLE snapshot ADD COLUMN terms TEXT");
    const putHard = db.prepare(
      "INSERT INTO hard_state (id, term, vote, commit_index) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET term = excluded.term, vote = excluded.vote, commit_index = excluded.commit_index",
    );
    const truncateFrom = db.prepare("DELETE FROM entries WHERE idx >= ?");
    const deleteUpTo = db.prepare("DELETE FROM entries WHERE idx <= ?");
    const deleteAll = db.prepare("DELETE FROM entries");
    const putEntry = db.prepare("INSERT INTO entries (idx, term, type, data) VALUES (?, ?, ?, ?)");
    const putSnap = db.prepare(
      "INSERT INTO snapshot (id, idx, term, conf, data, terms) VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET idx = excluded.idx, term = excluded.term, conf = excluded.conf, data = excluded.data, terms = excluded.terms",
    );
    const getSnapIndex = db.prepare<[], { idx: number }>("SELECT idx FROM snapshot WHERE id = 1");
    const writeSnap = (s: Snapshot) =>
      putSnap.run(
        s.meta.index,
        s.meta.term,
        JSON.stringify(s.meta.conf),
        Buffer.from(s.data),
        s.meta.terms ? JSON.stringify(s.meta.terms) : null,
      );
    this.#save = db.transaction((u: StorageUpdate) => {
      if (u.snapshot) {
        writeSnap(u.snapshot);
        deleteAll.run();
      }
      if (u.entries.length > 0) {
        truncateFrom.run(u.entries[0]!.index);
        for (const e of u.entries) putEntry.run(e.index, e.term, e.type, Buffer.from(e.data));
      }
      if (u.hardState) putHard.run(u.hardState.term, u.hardState.vote, u.hardState.commit);
    });
    this.#saveSnap = db.transaction((s: Snapshot, compactTo: number) => {
      const cur = getSnapIndex.get();
      if (cur && cur.idx >= s.meta.index) return;
      writeSnap(s);
      deleteUpTo.run(compactTo);
    });
  }

  load(): StoredState {
    const hard = this.#db
      .prepare<[], { term: number; vote: string | null; commit_index: number }>(
        "SELECT term, vote, commit_index FROM hard_state WHERE id = 1",
      )
      .get();
    const snap = this.#db
      .prepare<[], { idx: number; term: number; conf: string; data: Buffer; terms: string | null }>(
        "SELECT idx, term, conf, data, terms FROM snapshot WHERE id = 1",
      )
      .get();
    const after = snap?.idx ?? 0;
    const rows = this.#db
      .prepare<[number], EntryRow>("SELECT idx, term, type, data FROM entries WHERE idx > ? ORDER BY idx")
      .all(after);
    const entries: Entry[] = rows.map((r) => ({
      index: r.idx,
      term: r.term,
      type: r.type as EntryType,
      data: new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength),
    }));
    const out: StoredState = { entries };
    if (hard)
      out.hardState = { term: hard.term, vote: hard.vote, commit: hard.commit_index } satisfies HardState;
    if (snap) {
      const meta: SnapshotMeta = {
        index: snap.idx,
        term: snap.term,
        conf: JSON.parse(snap.conf) as ConfState,
      };
      if (snap.terms !== null) meta.terms = JSON.parse(snap.terms) as NonNullable<SnapshotMeta["terms"]>;
      out.snapshot = {
        meta,
        data: new Uint8Array(snap.data.buffer, snap.data.byteOffset, snap.data.byteLength),
      };
    }
    return out;
  }

  save(update: StorageUpdate): void {
    if (update.sync !== false) {
      this.#save(update);
      return;
    }
    this.#unsynced.run();
    try {
      this.#save(update);
    } finally {
      this.#synced.run();
    }
  }

  saveSnapshot(snapshot: Snapshot, compactTo: number): void {
    this.#saveSnap(snapshot, compactTo);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
