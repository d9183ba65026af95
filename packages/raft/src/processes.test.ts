import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ProcessCluster } from "./__tests__/processCluster.js";

let cluster: ProcessCluster | null = null;
let dir = "";
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
  rmSync(dir, { recursive: true, force: true });
});

describe("three OS processes over TCP with SQLite", () => {
  it("keeps every acknowledged write through a kill -9 of the leader; the old leader catches up by snapshot", async () => {
    dir = mkdtempSync(join(tmpdir(), "raft-proc-"));
    cluster = new ProcessCluster(["p1", "p2", "p3"], dir, {
      RAFT_TICK_MS: "20",
      RAFT_SNAPSHOT_ENTRIES: "40",
      RAFT_SNAPSHOT_KEEP: "5",
    });
    await cluster.start();
    const first = await cluster.leader();
    const acked: string[] = [];
    const hint = { leader: first as string | null };
    let killed = false;
    // Four concurrent writers; the leader is killed (-9) in the middle of the stream.
    await Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        for (let i = 0; i < 60; i++) {
          const key = `w${w}-${i}`;
          if (w === 0 && i === 20 && !killed) {
            killed = true;
            cluster!.kill9(first);
          }
          if (await cluster!.put(key, `v${i}`, hint)) acked.push(key);
        }
      }),
    );
    expect(acked.length).toBe(240);
    const second = await cluster.leader();
    expect(second).not.toBe(first);
    const missing = await cluster.call(second, { t: "has", keys: acked });
    expect(missing).toEqual({ t: "reply", id: expect.any(Number), ok: true, value: [] });
    // The old leader restarts from its SQLite file; it fell > 40 entries behind a compacted log.
    await cluster.restart(first);
    let status: { applied: number; restores: number } = { applied: 0, restores: 0 };
    const leaderStatus = (await cluster.call(second, { t: "status" })).value as { commit: number };
    for (let i = 0; i < 300; i++) {
      const r = await cluster.call(first, { t: "status" });
      if (r.ok) status = r.value as typeof status;
      if (status.applied >= leaderStatus.commit) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(status.applied).toBeGreaterThanOrEqual(leaderStatus.commit);
    expect(status.restores).toBeGreaterThanOrEqual(1);
    const missingOnOld = await cluster.call(first, { t: "has", keys: acked });
    expect(missingOnOld.value).toEqual([]);
  }, 90_000);
});
