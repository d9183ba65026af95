import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { RaftError } from "./errors.js";
import { SqliteStorage } from "./sqliteStorage.js";
import type { Entry } from "./types.js";
import { WalCheckpointer, type WalCheckpointResult } from "./walCheckpointer.js";
import { WalCheckpointThread } from "./walCheckpointThread.js";
import { preallocateWal } from "./walPreallocation.js";

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "raft-checkpoint-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const walSize = (path: string) => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);

/** Resolves with the first checkpoint report `match` accepts (bounded: the thread polls every 5 ms). */
function checkpoints() {
  const waiting: Array<{ match: (r: WalCheckpointResult) => boolean; resolve: () => void }> = [];
  return {
    onCheckpoint: (result: WalCheckpointResult) => {
      for (const w of waiting.filter((x) => x.match(result))) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    },
    next: (match: (r: WalCheckpointResult) => boolean) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no such checkpoint within 10 s")), 10_000);
        waiting.push({
          match,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
  };
}
const complete = (r: WalCheckpointResult) => r.busy === 0 && r.log === r.checkpointed && r.log > 0;

/** A WAL database with automatic checkpoints off, as its owner opens it. */
function walDatabase(path: string): Database.Database {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("wal_autocheckpoint = 0");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  return db;
}
const insertRows = (db: Database.Database, rows: number) => {
  const put = db.prepare("INSERT INTO t (v) VALUES (?)");
  db.transaction(() => {
    for (let i = 0; i < rows; i++) put.run(Buffer.alloc(1000, i));
  })();
};

describe("WalCheckpointer", () => {
  it("keeps the WAL bounded under sustained writes, and empties a large one", async () => {
    const path = join(tmp(), "app.db");
    const db = walDatabase(path);
    const seen = checkpoints();
    const checkpointer = new WalCheckpointer({
      path,
      thresholdPages: 64,
      intervalMs: 20,
      pollMs: 5,
      truncateBytes: 2 * 1024 * 1024,
      onCheckpoint: seen.onCheckpoint,
    });
    // 8 MB in rounds of ~0.5 MB: each round's pages are copied before the next starts the WAL over.
    let largest = 0;
    for (let round = 0; round < 16; round++) {
      const copied = seen.next(complete);
      insertRows(db, 500);
      largest = Math.max(largest, walSize(path));
      await copied;
    }
    // Without checkpoints the WAL would hold all 8 MB. With them it starts over once a round is copied;
    // a loaded machine can delay the (niced) thread past the next round, or two, so the bound checked is
    // the reuse itself, not an exact size.
    expect(largest).toBeLessThan(4 * 1024 * 1024);
    expect(db.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 8000 });

    // One 3 MB burst is past truncateBytes: the file is emptied once it is copied.
    const truncated = seen.next((r) => r.mode === "TRUNCATE" && r.busy === 0);
    insertRows(db, 3000);
    await truncated;
    expect(walSize(path)).toBe(0);
    db.close();
    await checkpointer.close();
  });

  it("starts a large preallocated WAL over instead of emptying it, and the owner trims it to its size", async () => {
    const path = join(tmp(), "app.db");
    const db = walDatabase(path);
    const walBytes = 1024 * 1024;
    preallocateWal(db, `${path}-wal`, walBytes);
    const seen = checkpoints();
    const checkpointer = new WalCheckpointer({
      path,
      pollMs: 5,
      truncateBytes: 2 * 1024 * 1024,
      walBytes,
      onCheckpoint: seen.onCheckpoint,
    });
    const restarted = seen.next((r) => r.mode === "RESTART" && r.busy === 0);
    insertRows(db, 3000);
    await restarted;
    insertRows(db, 1);
    expect(walSize(path)).toBe(walBytes);
    expect(db.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 3001 });
    db.close();
    await checkpointer.close();
  });

  it("lets a new reader see every commit after a checkpoint, and ends its thread on close", async () => {
    const path = join(tmp(), "raft.db");
    const seen = checkpoints();
    const storage = new SqliteStorage({
      path,
      checkpointer: { thresholdPages: 16, pollMs: 5, onCheckpoint: seen.onCheckpoint },
    });
    const entries: Entry[] = Array.from({ length: 200 }, (_, i) => ({
      index: i + 1,
      term: 1,
      type: 0,
      data: new Uint8Array(1000).fill(i),
    }));
    const copied = seen.next(complete);
    storage.save({ hardState: { term: 1, vote: "a", commit: 200 }, entries });
    await copied;
    const reader = new Database(path, { readonly: true });
    expect(reader.prepare("SELECT count(*) AS n FROM entries").get()).toEqual({ n: 200 });
    reader.close();

    // Resolves on the thread's exit.
    await storage.close();
    // The thread's connection was the file's last: it checkpointed the rest and removed the WAL.
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reopened = new SqliteStorage({ path });
    expect(reopened.load().entries.map((e) => e.data[0])).toEqual(entries.map((e) => e.data[0]));
    reopened.close();
  });

  it("logs a thread that cannot open the file, and refuses bad options without starting one", async () => {
    const warnings: string[] = [];
    const missing = new WalCheckpointer({
      path: join(tmp(), "missing.db"),
      logger: { warn: (message) => warnings.push(message) },
    });
    await missing.close();
    expect(warnings).toEqual(["WAL checkpoint thread stopped"]);

    expect(() => new WalCheckpointer({ path: join(tmp(), "x.db"), pollMs: 0 })).toThrow(RaftError);
  });
});

describe("WalCheckpointer, several files on the process's one thread", () => {
  it("checkpoints each file, goes on with the others when one is closed, and ends after the last", async () => {
    const [pathA, pathB] = [join(tmp(), "a.db"), join(tmp(), "b.db")];
    const [dbA, dbB] = [walDatabase(pathA), walDatabase(pathB)];
    const [seenA, seenB] = [checkpoints(), checkpoints()];
    const a = new WalCheckpointer({
      path: pathA,
      thresholdPages: 16,
      pollMs: 5,
      onCheckpoint: seenA.onCheckpoint,
    });
    const b = new WalCheckpointer({
      path: pathB,
      intervalMs: 20,
      pollMs: 7,
      onCheckpoint: seenB.onCheckpoint,
    });
    const copied = [seenA.next(complete), seenB.next(complete)];
    insertRows(dbA, 100);
    insertRows(dbB, 100);
    await Promise.all(copied);

    dbA.close();
    await a.close();
    // The thread's connection was a.db's last: it checkpointed the rest and removed the WAL.
    expect(existsSync(`${pathA}-wal`)).toBe(false);
    expect(WalCheckpointThread.running).toBe(true);
    const copiedAgain = seenB.next(complete);
    insertRows(dbB, 100);
    await copiedAgain;

    dbB.close();
    await b.close();
    expect(WalCheckpointThread.running).toBe(false);
    // A file opened afterwards starts a new thread.
    const again = new WalCheckpointer({ path: pathB });
    expect(WalCheckpointThread.running).toBe(true);
    await again.close();
    expect(WalCheckpointThread.running).toBe(false);
  });

  it("reports a failing file and goes on checkpointing the others", async () => {
    const warnings: Array<{ message: string; path: unknown; error: unknown }> = [];
    const logger = {
      warn: (message: string, fields?: Record<string, unknown>) =>
        warnings.push({ message, path: fields?.path, error: fields?.error }),
    };
    // Every poll of this file fails: its WAL's path is a symbolic link to itself.
    const failing = join(tmp(), "failing.db");
    new Database(failing).close();
    symlinkSync("failing.db-wal", `${failing}-wal`);
    const missing = join(tmp(), "missing.db");
    const path = join(tmp(), "app.db");
    const db = walDatabase(path);
    const seen = checkpoints();
    const checkpointers = [
      new WalCheckpointer({ path: failing, pollMs: 5, logger }),
      new WalCheckpointer({ path: missing, logger }),
      new WalCheckpointer({ path, thresholdPages: 16, pollMs: 5, logger, onCheckpoint: seen.onCheckpoint }),
    ];
    for (let round = 0; round < 3; round++) {
      const copied = seen.next(complete);
      insertRows(db, 100);
      await copied;
    }
    db.close();
    await Promise.all(checkpointers.map((c) => c.close()));
    // The failing file is reported once, however many polls failed.
    expect(warnings).toHaveLength(2);
    expect(warnings).toEqual(
      expect.arrayContaining([
        { message: "WAL checkpoint failed", path: failing, error: expect.stringContaining("ELOOP") },
        { message: "WAL checkpoint thread stopped", path: missing, error: expect.any(String) },
      ]),
    );
  });

  it("keeps the process alive until a close resolves, when nothing else would", () => {
    // A program whose last step is awaiting a close: the thread is unref'd while it only checkpoints, so
    // without a reference while a close waits for it the process ended with that promise unsettled.
    const dir = tmp();
    const index = pathToFileURL(fileURLToPath(new URL("./index.ts", import.meta.url))).href;
    const script = `
      const { SqliteStorage } = await import(${JSON.stringify(index)});
      const a = new SqliteStorage({ path: ${JSON.stringify(join(dir, "a.db"))}, checkpointer: true });
      const b = new SqliteStorage({ path: ${JSON.stringify(join(dir, "b.db"))}, checkpointer: true });
      await a.close();
      await b.close();
      console.log("both closed");
    `;
    const hooks = fileURLToPath(new URL("../../../scripts/tsHooks.mjs", import.meta.url));
    const out = execFileSync(
      process.execPath,
      [
        "--conditions=@amstaff/source",
        "--import",
        pathToFileURL(hooks).href,
        "--input-type=module",
        "-e",
        script,
      ],
      { encoding: "utf8", timeout: 20_000 },
    );
    expect(out.trim()).toBe("both closed");
  });
});
