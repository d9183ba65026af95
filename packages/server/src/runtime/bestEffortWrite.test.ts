import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../state/database.js";
import { writeBestEffort } from "./bestEffortWrite.js";

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
});
