import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../state/database.js";
import { tryWriteBestEffort, writeBestEffort } from "./bestEffortWrite.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("writeBestEffort", () => {
  it("commits without waiting for the disk, then gives the node's database its FULL setting back", () => {
    dir = mkdtempSync(join(tmpdir(), "amstaff-best-effort-"));
    const db = openDatabase(dir);
    db.exec("CREATE TABLE t (v INTEGER)");
    const synchronous = () => db.pragma("synchronous", { simple: true });
    expect(synchronous()).toBe(2);
    const during = writeBestEffort(db, () => {
      db.prepare("INSERT INTO t VALUES (1)").run();
      return synchronous();
    });
    expect(during).toBe(1);
    expect(synchronous()).toBe(2);

    // A failed write rolls back whole, and the setting still comes back.
    expect(() =>
      writeBestEffort(db, () => {
        db.prepare("INSERT INTO t VALUES (2)").run();
        throw new Error("disk full");
      }),
    ).toThrow("disk full");
    expect(synchronous()).toBe(2);
    expect(db.prepare("SELECT v FROM t").all()).toEqual([{ v: 1 }]);
    db.close();
  });

  it("tryWriteBestEffort runs nothing while another connection holds the write lock, and keeps the busy timeout", () => {
    dir = mkdtempSync(join(tmpdir(), "amstaff-best-effort-"));
    const db = openDatabase(dir);
    db.exec("CREATE TABLE t (v INTEGER)");
    const timeout = db.pragma("busy_timeout", { simple: true });
    const other = new Database(join(dir, "amstaff.db"));
    other.exec("BEGIN IMMEDIATE");
    let ran = false;
    expect(
      tryWriteBestEffort(db, () => {
        ran = true;
      }),
    ).toBeUndefined();
    expect(ran).toBe(false);
    expect(db.pragma("busy_timeout", { simple: true })).toBe(timeout);
    other.exec("COMMIT");
    other.close();
    expect(tryWriteBestEffort(db, () => db.prepare("INSERT INTO t VALUES (1)").run().changes)).toEqual({
      value: 1,
    });
    db.close();
  });
});
