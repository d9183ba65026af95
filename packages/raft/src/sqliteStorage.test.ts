import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { endianness, tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SqliteStorage } from "./sqliteStorage.js";
import { type Entry, EntryType } from "./types.js";

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "raft-sqlite-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const e = (index: number, term: number, s = `e${index}`): Entry => ({
  index,
  term,
  type: 0,
  data: new TextEncoder().encode(s),
});

/**
 * Where the WAL's last frame ends: its frame count is `mxFrame` in the wal-index header (`-shm`, byte 16,
 * native byte order; https://www.sqlite.org/walformat.html), after a 32-byte header, 24 + 4096 bytes a frame.
 */
function walEnd(path: string): number {
  const shm = readFileSync(`${path}-shm`);
  const frames = endianness() === "LE" ? shm.readUInt32LE(16) : shm.readUInt32BE(16);
  return 32 + frames * (24 + 4096);
}

describe("SqliteStorage", () => {
  it("persists hard state, entries and truncation across reopen", () => {
    const path = join(tmp(), "raft.db");
    const s = new SqliteStorage({ path });
    s.save({ hardState: { term: 2, vote: "b", commit: 1 }, entries: [e(1, 1), e(2, 2), e(3, 2)] });
    s.save({ entries: [e(3, 3, "new3"), e(4, 3)] });
    s.close();
    const r = new SqliteStorage({ path });
    const st = r.load();
    expect(st.hardState).toEqual({ term: 2, vote: "b", commit: 1 });
    expect(st.entries.map((x) => [x.index, x.term])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 3],
    ]);
    expect(new TextDecoder().decode(st.entries[2]!.data)).toBe("new3");
    r.close();
  });

  it("overwrites a conflicting suffix however the log got its entries: reopened, truncated twice", () => {
    const path = join(tmp(), "raft.db");
    const s = new SqliteStorage({ path });
    s.save({ hardState: { term: 1, vote: "a", commit: 0 }, entries: [e(1, 1), e(2, 1), e(3, 1), e(4, 1)] });
    s.close();
    // A reopened storage knows its stored log ends at 4 without having written it.
    const r = new SqliteStorage({ path });
    r.save({ entries: [e(3, 2, "t2")] });
    // The log now ends at 3, but a second conflict below the old end must still replace, never collide.
    r.save({ entries: [e(2, 3, "t3"), e(3, 3)] });
    r.save({ entries: [e(4, 3), e(5, 3)] });
    expect(r.load().entries.map((x) => [x.index, x.term])).toEqual([
      [1, 1],
      [2, 3],
      [3, 3],
      [4, 3],
      [5, 3],
    ]);
    r.close();
  });

  it("writes an update marked sync: false (commit index only) in order with the durable ones", () => {
    const path = join(tmp(), "raft.db");
    const s = new SqliteStorage({ path });
    s.save({ hardState: { term: 2, vote: "a", commit: 1 }, entries: [e(1, 2), e(2, 2)] });
    s.save({ hardState: { term: 2, vote: "a", commit: 2 }, entries: [], sync: false });
    s.close();
    const r = new SqliteStorage({ path });
    expect(r.load().hardState).toEqual({ term: 2, vote: "a", commit: 2 });
    r.close();
  });

  it("commits a leader's unsynced entries at synchronous=NORMAL and the rest at FULL, on its own connection", () => {
    // The storage's connection, caught as it sets its cache size: `synchronous` is per connection.
    const pragma = vi.spyOn(Database.prototype, "pragma");
    const s = new SqliteStorage({ path: join(tmp(), "raft.db") });
    const db = pragma.mock.contexts[0] as Database.Database;
    pragma.mockRestore();
    // FULL is 2, NORMAL 1; each save's mode, switching back and forth.
    const modes = [true, false, false, true, false, true].map((synced, i) => {
      s.save({ entries: [e(i + 1, 1)], ...(synced ? {} : { sync: false }) });
      return db.pragma("synchronous", { simple: true });
    });
    expect(modes).toEqual([2, 1, 1, 2, 1, 2]);
    s.close();
  });

  it("writes the commit index only with a new term or vote, or on close; a crash loses only it", () => {
    const path = join(tmp(), "raft.db");
    const s = new SqliteStorage({ path });
    s.save({ hardState: { term: 2, vote: "a", commit: 1 }, entries: [e(1, 2), e(2, 2)] });
    const stored = () => {
      const other = new Database(path, { readonly: true });
      const row = other.prepare("SELECT term, commit_index FROM hard_state").get();
      const count = (other.prepare("SELECT count(*) AS n FROM entries").get() as { n: number }).n;
      other.close();
      return { ...(row as object), entries: count };
    };
    s.save({ hardState: { term: 2, vote: "a", commit: 2 }, entries: [], sync: false });
    // Not in the file: a process killed now restarts with commit 1 and learns 2 from the leader.
    expect(stored()).toEqual({ term: 2, commit_index: 1, entries: 2 });
    // Nor with the next entries, synced or not, whose hard state moved only the commit index.
    s.save({ hardState: { term: 2, vote: "a", commit: 2 }, entries: [e(3, 2)] });
    s.save({ entries: [e(4, 2)], sync: false });
    expect(stored()).toEqual({ term: 2, commit_index: 1, entries: 4 });
    // A new term is written at once, with the newest commit index.
    s.save({ hardState: { term: 3, vote: null, commit: 4 }, entries: [] });
    expect(stored()).toEqual({ term: 3, commit_index: 4, entries: 4 });
    s.save({ hardState: { term: 3, vote: null, commit: 5 }, entries: [e(5, 3)], sync: false });
    s.close();
    const r = new SqliteStorage({ path });
    expect(r.load()).toMatchObject({ hardState: { term: 3, vote: null, commit: 5 } });
    r.close();
  });

  it("writes a commit index that passes a configuration change, also one loaded back from the file", () => {
    const path = join(tmp(), "raft.db");
    const change = (index: number): Entry => ({ ...e(index, 2), type: EntryType.ConfChange });
    const s = new SqliteStorage({ path });
    s.save({
      hardState: { term: 2, vote: "a", commit: 1 },
      entries: [e(1, 2), change(2), e(3, 2), change(4)],
    });
    s.save({ hardState: { term: 2, vote: "a", commit: 2 }, entries: [], sync: false });
    s.save({ hardState: { term: 2, vote: "a", commit: 3 }, entries: [e(5, 2)] });
    const commit = () => {
      const other = new Database(path, { readonly: true });
      const row = other.prepare("SELECT commit_index FROM hard_state").get() as { commit_index: number };
      other.close();
      return row.commit_index;
    };
    // A node restarted now learns its membership from the change at 2: the commit index covers it, and
    // stays there while it passes no other.
    expect(commit()).toBe(2);
    s.close();
    expect(commit()).toBe(3);
    const r = new SqliteStorage({ path });
    r.save({ hardState: { term: 2, vote: "a", commit: 4 }, entries: [], sync: false });
    expect(commit()).toBe(4);
    r.close();
  });

  it("commits a synced save that has only a commit index, so earlier unsynced ones become durable", () => {
    const path = join(tmp(), "raft.db");
    const s = new SqliteStorage({ path });
    s.save({ hardState: { term: 2, vote: "a", commit: 0 }, entries: [] });
    s.save({ entries: [e(1, 2)], sync: false });
    s.save({ hardState: { term: 2, vote: "a", commit: 1 }, entries: [] });
    const other = new Database(path, { readonly: true });
    expect(other.prepare("SELECT commit_index FROM hard_state").get()).toEqual({ commit_index: 1 });
    other.close();
    s.close();
  });

  it("stores snapshots, compacts and replaces the log on a received snapshot", async () => {
    const path = join(tmp(), "raft.db");
    const s = new SqliteStorage({ path });
    s.save({ entries: [e(1, 1), e(2, 1), e(3, 1), e(4, 1)] });
    const conf = { voters: ["a", "b"], learners: [] };
    await s.saveSnapshot({ meta: { index: 3, term: 1, conf }, data: new Uint8Array([9]) }, 2);
    let st = s.load();
    expect(st.snapshot?.meta).toEqual({ index: 3, term: 1, conf });
    expect(st.entries.map((x) => x.index)).toEqual([4]);
    const terms: [number, number][] = [
      [1, 1],
      [6, 4],
    ];
    s.save({
      snapshot: { meta: { index: 10, term: 4, conf, terms }, data: new Uint8Array([7, 7]) },
      entries: [e(11, 4)],
    });
    st = s.load();
    expect(st.snapshot?.meta).toEqual({ index: 10, term: 4, conf, terms });
    expect([...st.snapshot!.data]).toEqual([7, 7]);
    expect(st.entries.map((x) => x.index)).toEqual([11]);
    s.close();
  });

  it("reads entries back within a byte budget, and a snapshot's bytes only when it is the one asked for", async () => {
    const s = new SqliteStorage({ path: join(tmp(), "raft.db"), snapshotWriteChunkBytes: 2 });
    s.save({ entries: [e(1, 1, "aaaa"), e(2, 1, "bbbb"), e(3, 2, "cccc"), e(4, 2, "dddd")] });
    expect(s.entries(2, 4, 8).map((x) => x.index)).toEqual([2, 3]);
    expect(s.entries(2, 3, Number.POSITIVE_INFINITY).map((x) => [x.index, x.term])).toEqual([
      [2, 1],
      [3, 2],
    ]);
    // The first entry comes even when it alone is over the budget.
    expect(s.entries(4, 4, 1).map((x) => new TextDecoder().decode(x.data))).toEqual(["dddd"]);
    const conf = { voters: ["a"], learners: [] };
    expect(s.snapshotData(2)).toBeUndefined();
    await s.saveSnapshot({ meta: { index: 2, term: 1, conf }, data: new Uint8Array([1, 2, 3]) }, 0);
    expect(s.snapshotData(3)).toBeUndefined();
    expect([...s.snapshotData(2)!]).toEqual([1, 2, 3]);
    s.save({ snapshot: { meta: { index: 4, term: 2, conf }, data: new Uint8Array([4]) }, entries: [] });
    expect(s.snapshotData(2)).toBeUndefined();
    expect([...s.snapshotData(4)!]).toEqual([4]);
    s.close();
  });

  it("opens a file written before snapshots had term boundaries or chunks, and adds them", async () => {
    const path = join(tmp(), "raft.db");
    const old = new Database(path);
    old.exec(
      "CREATE TABLE snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), idx INTEGER NOT NULL, term INTEGER NOT NULL, conf TEXT NOT NULL, data BLOB NOT NULL)",
    );
    old
      .prepare("INSERT INTO snapshot VALUES (1, 5, 2, ?, ?)")
      .run('{"voters":["a"],"learners":[]}', Buffer.from([1]));
    old.close();
    const s = new SqliteStorage({ path });
    const conf = { voters: ["a"], learners: [] };
    expect(s.load().snapshot).toEqual({ meta: { index: 5, term: 2, conf }, data: new Uint8Array([1]) });
    await s.saveSnapshot(
      { meta: { index: 6, term: 2, conf, terms: [[5, 2]] }, data: new Uint8Array([2]) },
      6,
    );
    expect(s.load().snapshot?.meta).toEqual({ index: 6, term: 2, conf, terms: [[5, 2]] });
    expect([...s.load().snapshot!.data]).toEqual([2]);
    s.close();
  });

  it.each([
    ["a preallocated WAL", {}],
    ["a WAL grown from empty", { walPreallocateBytes: 0 }],
  ])(
    "recovers the last complete write when the WAL's last record is torn (crash mid-write), %s",
    (_, options) => {
      const dir = tmp();
      const path = join(dir, "raft.db");
      const s = new SqliteStorage({ path, ...options });
      s.save({ hardState: { term: 1, vote: null, commit: 0 }, entries: [e(1, 1)] });
      s.save({ entries: [e(2, 1, "x".repeat(20_000))] });
      // Copy the files while the database is open, as a kill -9 would leave them, then tear the WAL's last
      // record (not the file's tail: past the last record, a preallocated file holds only zeros).
      const crash = join(dir, "crash.db");
      copyFileSync(path, crash);
      expect(existsSync(`${path}-wal`)).toBe(true);
      copyFileSync(`${path}-wal`, `${crash}-wal`);
      const end = walEnd(path);
      const fd = openSync(`${crash}-wal`, "r+");
      writeSync(fd, Buffer.alloc(1000), 0, 1000, end - 1000);
      closeSync(fd);
      s.close();
      const r = new SqliteStorage({ path: crash });
      const st = r.load();
      expect(st.entries.map((x) => x.index)).toEqual([1]);
      expect(st.hardState?.term).toBe(1);
      r.close();
    },
  );

  it("keeps its WAL preallocated across restarts, and a crash over a reused WAL loses nothing", () => {
    const dir = tmp();
    const path = join(dir, "raft.db");
    const walBytes = 1024 * 1024;
    const s = new SqliteStorage({ path, walPreallocateBytes: walBytes });
    expect(statSync(`${path}-wal`).size).toBe(walBytes);
    s.save({
      hardState: { term: 1, vote: "a", commit: 0 },
      entries: [e(1, 1), e(2, 1, "y".repeat(300_000))],
    });
    // Copied into the database: the next commit starts the WAL over from the file's start, so the frames
    // of the earlier commits stay behind the new ones, with the old salt.
    const other = new Database(path);
    other.pragma("wal_checkpoint(RESTART)");
    other.close();
    s.save({ hardState: { term: 2, vote: "b", commit: 2 }, entries: [e(3, 2)] });
    // A 1.3 MB commit grows the file past the limit; the next start-over trims it back to it.
    s.save({ entries: [e(4, 2, "z".repeat(1_300_000))] });
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(walBytes);
    const reset = new Database(path);
    reset.pragma("wal_checkpoint(RESTART)");
    reset.close();
    s.save({ entries: [e(5, 2)] });
    expect(statSync(`${path}-wal`).size).toBe(walBytes);
    const crash = join(dir, "crash.db");
    copyFileSync(path, crash);
    copyFileSync(`${path}-wal`, `${crash}-wal`);
    s.close();
    const expected = [1, 2, 3, 4, 5];
    for (const file of [crash, path]) {
      const r = new SqliteStorage({ path: file, walPreallocateBytes: walBytes });
      expect(statSync(`${file}-wal`).size).toBe(walBytes);
      const st = r.load();
      expect(st.entries.map((x) => x.index)).toEqual(expected);
      expect(st.hardState).toEqual({ term: 2, vote: "b", commit: 2 });
      expect(st.entries[3]!.data.length).toBe(1_300_000);
      r.close();
    }
  });

  it("writes a local snapshot in chunks across turns, and reads it back whole", async () => {
    const path = join(tmp(), "raft.db");
    const s = new SqliteStorage({ path, snapshotWriteChunkBytes: 1000 });
    s.save({ entries: [e(1, 1), e(2, 1), e(3, 1)] });
    const data = Uint8Array.from({ length: 4500 }, (_, i) => i % 251);
    // Another task that runs once per event-loop turn: it gets turns while the snapshot is written.
    let turns = 0;
    let writing = true;
    const other = () => {
      turns++;
      if (writing) setImmediate(other);
    };
    setImmediate(other);
    await s.saveSnapshot({ meta: { index: 2, term: 1, conf }, data }, 2);
    writing = false;
    expect(turns).toBeGreaterThanOrEqual(4);
    s.close();
    const r = new SqliteStorage({ path });
    const st = r.load();
    expect(st.snapshot).toEqual({ meta: { index: 2, term: 1, conf }, data });
    expect(st.entries.map((x) => x.index)).toEqual([3]);
    expect(query(path, "SELECT COUNT(*) AS n FROM snapshot_chunks")).toEqual([{ n: 5 }]);
    r.close();
  });

  it("keeps the previous snapshot and its entries when a chunked write is cut off", async () => {
    const path = join(tmp(), "raft.db");
    const s = new SqliteStorage({ path, snapshotWriteChunkBytes: 10 });
    s.save({ entries: [e(1, 1), e(2, 1), e(3, 1), e(4, 1)] });
    await s.saveSnapshot({ meta: { index: 1, term: 1, conf }, data: new Uint8Array([1, 1]) }, 1);
    const writing = s.saveSnapshot({ meta: { index: 3, term: 1, conf }, data: new Uint8Array(100) }, 3);
    await new Promise((resolve) => setImmediate(resolve));
    s.close(); // as a crash between two chunks would leave the file
    await writing;
    const r = new SqliteStorage({ path, snapshotWriteChunkBytes: 10 });
    let st = r.load();
    expect(st.snapshot).toEqual({ meta: { index: 1, term: 1, conf }, data: new Uint8Array([1, 1]) });
    expect(st.entries.map((x) => x.index)).toEqual([2, 3, 4]);
    // The next snapshot drops the torn one's chunks and replaces the old one.
    await r.saveSnapshot({ meta: { index: 4, term: 1, conf }, data: new Uint8Array([4]) }, 4);
    st = r.load();
    expect(st.snapshot).toEqual({ meta: { index: 4, term: 1, conf }, data: new Uint8Array([4]) });
    expect(query(path, "SELECT idx FROM snapshot_chunks")).toEqual([{ idx: 4 }]);
    r.close();
  });

  it("drops a local snapshot that a snapshot received meanwhile from the leader supersedes", async () => {
    const path = join(tmp(), "raft.db");
    const s = new SqliteStorage({ path, snapshotWriteChunkBytes: 10 });
    s.save({ entries: [e(1, 1), e(2, 1), e(3, 1)] });
    const local = s.saveSnapshot({ meta: { index: 3, term: 1, conf }, data: new Uint8Array(50) }, 3);
    await new Promise((resolve) => setImmediate(resolve));
    s.save({
      snapshot: { meta: { index: 8, term: 2, conf }, data: new Uint8Array([8]) },
      entries: [e(9, 2)],
    });
    await local;
    const st = s.load();
    expect(st.snapshot).toEqual({ meta: { index: 8, term: 2, conf }, data: new Uint8Array([8]) });
    expect(st.entries.map((x) => x.index)).toEqual([9]);
    s.close();
  });

  it("drops the entries a snapshot covers a bounded run at a time, after the switch", async () => {
    const path = join(tmp(), "raft.db");
    const s = new SqliteStorage({ path });
    s.save({ entries: Array.from({ length: 1500 }, (_, i) => e(i + 1, 1)) });
    const saving = s.saveSnapshot({ meta: { index: 1400, term: 1, conf }, data: new Uint8Array([5]) }, 1300);
    const count = () => (query(path, "SELECT COUNT(*) AS n FROM entries")[0] as { n: number }).n;
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    // Switched and partly dropped: the snapshot is already the one loaded, with only the entries after it.
    expect(s.load().snapshot?.meta.index).toBe(1400);
    expect(s.load().entries.map((x) => x.index)).toEqual(Array.from({ length: 100 }, (_, i) => 1401 + i));
    expect(count()).toBeGreaterThan(200);
    await saving;
    expect(count()).toBe(200); // 1301..1500: the ones kept behind the snapshot stay
    s.close();
  });

  it("refuses a chunk size that is not a positive integer, and a WAL size that is not a size", () => {
    expect(() => new SqliteStorage({ path: join(tmp(), "raft.db"), snapshotWriteChunkBytes: 0 })).toThrow(
      expect.objectContaining({ code: "RAFT_INVALID_OPTION" }),
    );
    expect(() => new SqliteStorage({ path: join(tmp(), "raft.db"), walPreallocateBytes: -1 })).toThrow(
      expect.objectContaining({ code: "RAFT_INVALID_OPTION" }),
    );
  });
});

const conf = { voters: ["a"], learners: [] };

/** Rows of `sql` on the file at `path`, read through a connection of its own. */
function query(path: string, sql: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}
