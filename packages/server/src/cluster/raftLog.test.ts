import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AmstaffError } from "@amstaff/core";
import { MemoryNetwork } from "@amstaff/raft/testing";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { errorResponse } from "../http/httpErrors.js";
import { StateMachine } from "../state/stateMachine.js";
import { ClusterHttp } from "./clusterHttp.js";
import { RaftLog } from "./raftLog.js";

const logs: RaftLog[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(logs.splice(0).map((l) => l.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Three in-process Raft logs over a memory network, each with its own SQLite file. */
async function cluster(proposeTimeoutMs: number) {
  const dir = mkdtempSync(join(tmpdir(), "raftlog-"));
  dirs.push(dir);
  const net = new MemoryNetwork();
  const ids = ["n1", "n2", "n3"];
  const opened = await Promise.all(
    ids.map((nodeId) =>
      RaftLog.open({
        nodeId,
        path: join(dir, `${nodeId}.db`),
        machine: new StateMachine(),
        transport: net.transport(nodeId),
        initialMembers: ids,
        http: new ClusterHttp({ internalToken: "internal-token-for-tests" }),
        logger: pino({ level: "silent" }),
        tickMs: 10,
        proposeTimeoutMs,
      }),
    ),
  );
  logs.push(...opened);
  let leader: RaftLog | undefined;
  for (let i = 0; i < 500 && !leader; i++) {
    leader = opened.find((l) => l.raft.role === "leader");
    if (!leader) await new Promise((r) => setTimeout(r, 10));
  }
  if (!leader) throw new Error("no leader elected");
  await leader.propose({ type: "cluster.init", clusterId: "c1", at: 0 });
  return { net, leader };
}

describe("RaftLog.propose settles", () => {
  it("with AMS_ERR_LOG_OUTCOME_UNKNOWN when its deadline runs out while the command is in the log", async () => {
    // 50 ms: well before check-quorum could depose the cut-off leader (an election timeout, 100–200 ms).
    const { net, leader } = await cluster(50);
    net.isolate(leader.nodeId);
    const error = await leader
      .propose({ type: "cluster.init", clusterId: "c2", at: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmstaffError);
    expect((error as AmstaffError).code).toBe("AMS_ERR_LOG_OUTCOME_UNKNOWN");
    expect((error as AmstaffError).message).toMatch(
      /No outcome within 50 ms.*may or may not have been applied/,
    );
  });

  it("with AMS_ERR_LOG_OUTCOME_UNKNOWN when its node loses leadership, long before the deadline", async () => {
    const { net, leader } = await cluster(60_000);
    net.isolate(leader.nodeId);
    // Check-quorum deposes the cut-off leader after an election timeout (100–200 ms here); one more election
    // timeout later its pending command settles. The 60 s deadline is not what ends it.
    const error = await leader
      .propose({ type: "cluster.init", clusterId: "c2", at: 1 })
      .catch((e: unknown) => e);
    expect((error as AmstaffError).code).toBe("AMS_ERR_LOG_OUTCOME_UNKNOWN");
    expect((error as AmstaffError).message).toMatch(/^Leadership changed while the command was in the log/);
  });

  it("the HTTP API answers 503 with a code that tells 'not applied' from 'may or may not have happened'", () => {
    const unknown = errorResponse(new AmstaffError("AMS_ERR_LOG_OUTCOME_UNKNOWN", "m"));
    const notApplied = errorResponse(new AmstaffError("AMS_ERR_LOG_UNAVAILABLE", "m"));
    expect([unknown.status, unknown.body.error.code]).toEqual([503, "AMS_ERR_LOG_OUTCOME_UNKNOWN"]);
    expect([notApplied.status, notApplied.body.error.code]).toEqual([503, "AMS_ERR_LOG_UNAVAILABLE"]);
  });
});
