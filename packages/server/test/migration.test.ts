import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { put, transition } from "../src/__tests__/fixtures.js";
import { startServer } from "../src/server.js";
import { SqliteLog } from "../src/state/sqliteLog.js";
import { StateMachine } from "../src/state/stateMachine.js";

describe("a data directory of the single-node log", () => {
  it("moves into Raft on first start, keeping modules, versions and statuses", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "amstaff-migrate-"));
    try {
      const db = new Database(join(dataDir, "amstaff.db"));
      const log = new SqliteLog(db, new StateMachine());
      await log.propose({ type: "cluster.init", clusterId: "old-cluster", at: 0 });
      await log.propose(put());
      await log.propose(transition(2, "pending", "critical"));
      await log.close();
      db.close();

      {
        await using server = await startServer({
          dataDir,
          port: 0,
          logger: "silent",
          token: "migrate-token-0123456789",
        });
        const response = await fetch(`${server.url}/modules/User%20Service`, {
          headers: { authorization: `Bearer ${server.token}` },
        });
        expect(await response.json()).toMatchObject({ name: "User Service", version: 2 });
        // Only Health's: the restarted server runs the module, so Latency may have changed by now.
        const deliveries = await fetch(`${server.url}/deliveries?monitor=Health`, {
          headers: { authorization: `Bearer ${server.token}` },
        });
        // The transition's id keeps the old cluster id and log index.
        expect(((await deliveries.json()) as { transitionId: string }[])[0]?.transitionId).toBe(
          "old-cluster-3",
        );
      }
      expect(existsSync(join(dataDir, "raft.db"))).toBe(true);
      const after = new Database(join(dataDir, "amstaff.db"));
      const tables = after.prepare("SELECT name FROM sqlite_master WHERE name = 'log_entries'").all();
      after.close();
      expect(tables).toEqual([]);

      // And it starts again from Raft alone.
      await using again = await startServer({
        dataDir,
        port: 0,
        logger: "silent",
        token: "migrate-token-0123456789",
      });
      const modules = await fetch(`${again.url}/modules`, {
        headers: { authorization: `Bearer ${again.token}` },
      });
      expect(await modules.json()).toMatchObject([{ name: "User Service", version: 2 }]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
