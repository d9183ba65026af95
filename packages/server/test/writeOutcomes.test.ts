import { describe, expect, it } from "vitest";
import { proberModuleSource, startReceiver, startTarget } from "./localServers.js";
import { eventually, startCluster } from "./serverProcess.js";

describe("a write to a leader that loses its majority (real processes)", () => {
  it("answers 503 AMS_ERR_LOG_OUTCOME_UNKNOWN, then AMS_ERR_LOG_UNAVAILABLE once nothing can reach the log", async () => {
    await using target = await startTarget();
    await using receiver = await startReceiver();
    await using nodes = await startCluster();
    const a = nodes.get("a")!;
    const findLeader = () =>
      eventually(
        async () => {
          const { status, body } = await a
            .api("/cluster", { timeoutMs: 3_000 })
            .catch(() => ({ status: 0, body: {} }));
          return status === 200 && typeof body.leader === "string" ? (body.leader as string) : undefined;
        },
        30_000,
        "a leader",
      );
    const push = async (name: string) =>
      nodes.get(await findLeader())!.api("/monitor", {
        method: "POST",
        body: proberModuleSource(name, target.url, receiver.url),
        timeoutMs: 60_000,
      });
    expect((await push("before")).status).toBe(201);
    // Asked again after the push: on a busy machine the push's compile can outlast an election, and the
    // followers killed below must be the current leader's.
    const leaderId = await findLeader();
    const leader = nodes.get(leaderId)!;
    // The writes below are silences, which reach the log at once: a push compiles first, and on a busy
    // machine the compile can outlast the leader's deposition, so the push would never reach its log.
    const silence = () =>
      leader.api("/silences", {
        method: "POST",
        body: JSON.stringify({ module: "before", for: "30m" }),
        timeoutMs: 60_000,
      });
    // Both followers die: the leader appends the next write but can never commit it. Check-quorum deposes it
    // after an election timeout, and an election timeout later the write's fate is declared unknown —
    // it used to hang for ever.
    await Promise.all([...nodes].filter(([id]) => id !== leaderId).map(([, n]) => n.stop("SIGKILL")));
    const unknown = await silence();
    expect([unknown.status, unknown.body.error?.code]).toEqual([503, "AMS_ERR_LOG_OUTCOME_UNKNOWN"]);
    expect(unknown.body.error.message).toMatch(/may or may not have been applied/);
    // Now no leader exists: the write never reaches a log and the client is told retrying is safe.
    const refused = await silence();
    expect([refused.status, refused.body.error?.code]).toEqual([503, "AMS_ERR_LOG_UNAVAILABLE"]);
    expect(refused.body.error.message).toMatch(/it was not applied, try again/);
  }, 180_000);
});
