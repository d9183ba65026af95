import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { processClusters } from "./__tests__/processClusters.js";
import { writeTrace } from "./writeTrace.js";

const startCluster = processClusters("raft-trace-");

describe("AMSTAFF_RAFT_TRACE", () => {
  it("is off unless the environment names a file", () => {
    expect(process.env.AMSTAFF_RAFT_TRACE).toBeUndefined();
    expect(writeTrace).toBeUndefined();
  });

  it("records a write's hops on the leader and both followers, in order, on one clock", async () => {
    const traceDir = mkdtempSync(join(tmpdir(), "raft-trace-file-"));
    onTestFinished(() => rmSync(traceDir, { recursive: true, force: true }));
    const file = join(traceDir, "trace");
    const cluster = startCluster(["t1", "t2", "t3"], { RAFT_TICK_MS: "20", AMSTAFF_RAFT_TRACE: file });
    await cluster.start();
    const hint = { leader: await cluster.leader() };
    for (let i = 0; i < 5; i++) expect(await cluster.put(`k${i}`, "v", hint)).toBe(true);
    // Each process appends what it buffered every 250 ms.
    await new Promise((r) => setTimeout(r, 600));

    const lines = readFileSync(file, "utf8").trim().split("\n");
    const events = lines.map((l) => {
      const [pid, hop, key, ms] = l.split(" ");
      return { pid: Number(pid), hop: hop!, key: Number(key), ms: Number(ms) };
    });
    const last = Math.max(...events.filter((e) => e.hop === "proposal").map((e) => e.key));
    const of = (hop: string) => events.filter((e) => e.hop === hop && e.key === last);
    const [proposal] = of("proposal");
    const leader = proposal!.pid;
    // One AppendEntries per follower at least (a retry would add one).
    expect(of("appendSent").length).toBeGreaterThanOrEqual(2);
    expect(of("appendSent").every((e) => e.pid === leader)).toBe(true);
    const followers = of("followerFsyncDone").map((e) => e.pid);
    expect(new Set(followers).size).toBe(2);
    expect(followers).not.toContain(leader);
    for (const f of followers) {
      const at = (hop: string) => of(hop).find((e) => e.pid === f)!.ms;
      expect(at("followerRead")).toBeLessThanOrEqual(at("followerWriteStart"));
      expect(at("followerWriteStart")).toBeLessThanOrEqual(at("followerFsyncDone"));
      expect(at("followerFsyncDone")).toBeLessThanOrEqual(at("responseSent"));
      // Another process's clock: the append was sent before it was read.
      expect(of("appendSent")[0]!.ms).toBeLessThanOrEqual(at("followerRead"));
    }
    const onLeader = (hop: string) => of(hop).find((e) => e.pid === leader)!.ms;
    expect(onLeader("leaderFsyncStart")).toBeLessThanOrEqual(onLeader("leaderFsyncEnd"));
    expect(onLeader("leaderResponseRead")).toBeLessThanOrEqual(onLeader("commit"));
    expect(onLeader("commit")).toBeLessThanOrEqual(onLeader("apply"));
  });
});
