import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { put, transition } from "../__tests__/fixtures.js";
import { SqliteLog } from "./sqliteLog.js";
import { StateMachine } from "./stateMachine.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function open(path: string, snapshotEvery = 1000) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  const machine = new StateMachine();
  return { db, machine, log: new SqliteLog(db, machine, { snapshotEvery }) };
}

function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), "amstaff-log-"));
  dirs.push(dir);
  return join(dir, "state.db");
}

describe("SqliteLog", () => {
  it("applies proposals in order and replays them after a restart", async () => {
    const path = tempDb();
    const first = open(path);
    const results = await Promise.all([
      first.log.propose(put()),
      first.log.propose(transition(1, "pending", "critical")),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    await first.log.close();
    first.db.close();

    const second = open(path);
    expect(second.log.lastIndex).toBe(2);
    expect(second.machine.monitor("User Service", "Health")?.status).toBe("critical");
    expect(second.machine.snapshot()).toEqual(first.machine.snapshot());
    second.db.close();
  });

  it("writes proposals made together in one transaction (group commit)", async () => {
    const db = new Database(tempDb());
    let transactions = 0;
    const transaction = db.transaction.bind(db);
    db.transaction = ((fn: Parameters<typeof transaction>[0]) => {
      transactions++;
      return transaction(fn);
    }) as typeof db.transaction;
    const log = new SqliteLog(db, new StateMachine());
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => log.propose({ type: "module.delete", name: `m${i}`, at: i })),
    );
    expect(log.lastIndex).toBe(50);
    expect(transactions).toBe(1);
    db.close();
  });

  it("compacts into a snapshot and recovers from snapshot plus tail", async () => {
    const path = tempDb();
    const first = open(path, 10);
    await first.log.propose(put());
    let status: "ok" | "critical" = "critical";
    await first.log.propose(transition(1, "pending", "critical"));
    for (let i = 0; i < 25; i++) {
      const next: "ok" | "critical" = status === "ok" ? "critical" : "ok";
      await first.log.propose(transition(1, status, next));
      status = next;
    }
    const remaining = first.db.prepare("SELECT COUNT(*) FROM log_entries").pluck().get() as number;
    expect(remaining).toBeLessThan(10);
    first.db.close();
    const second = open(path, 10);
    expect(second.log.lastIndex).toBe(27);
    expect(second.machine.snapshot()).toEqual(first.machine.snapshot());
    second.db.close();
  });

  it("rejects proposals it cannot write and leaves the state unchanged", async () => {
    const path = tempDb();
    const { db, machine, log } = open(path);
    await log.propose(put());
    const before = machine.snapshot();
    db.exec(
      "CREATE TRIGGER full_disk BEFORE INSERT ON log_entries BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
    );
    await expect(log.propose(transition(1, "pending", "critical"))).rejects.toMatchObject({
      code: "AMS_ERR_LOG_UNAVAILABLE",
    });
    expect(machine.snapshot()).toEqual(before);
    db.exec("DROP TRIGGER full_disk");
    await expect(log.propose(transition(1, "pending", "critical"))).resolves.toMatchObject({ ok: true });
    expect(log.lastIndex).toBe(2);
    db.close();
  });
});
