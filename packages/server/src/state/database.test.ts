import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "./database.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("openDatabase", () => {
  it("checkpoints on a thread that closing the database ends, leaving every row in the file", async () => {
    dir = mkdtempSync(join(tmpdir(), "amstaff-database-"));
    const wal = join(dir, "amstaff.db-wal");
    const db = openDatabase(dir);
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    db.exec("CREATE TABLE t (v BLOB)");
    const put = db.prepare("INSERT INTO t VALUES (?)");
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) put.run(Buffer.alloc(500, i));
    })();
    db.close();
    // The thread's connection is then the file's last: closing it checkpoints the rest and removes the WAL.
    for (let i = 0; i < 200 && existsSync(wal); i++) await sleep(25);
    expect(existsSync(wal)).toBe(false);
    const reopened = openDatabase(dir);
    expect(reopened.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 2000 });
    reopened.close();
  });
});
