import { describe, expect, it } from "vitest";
import { processClusters } from "./__tests__/processClusters.js";

const startCluster = processClusters("raft-proc-");

describe("three OS processes over TCP with SQLite", () => {
  it("keeps every acknowledged write through a kill -9 of the leader; the old leader catches up by snapshot", async () => {
    const cluster = startCluster(["p1", "p2", "p3"], {
      RAFT_TICK_MS: "20",
      // A snapshot every ~40 writes, written in several chunks: a kill -9 can land in the middle of one.
      RAFT_SNAPSHOT_MIN_BYTES: "3000",
      RAFT_SNAPSHOT_CHUNK_BYTES: "512",
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
            cluster.kill9(first);
          }
          if (await cluster.put(key, `v${i}`, hint)) acked.push(key);
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

describe("a leader frozen with SIGSTOP under writes", () => {
  it("answers every write it took once resumed: applied, dropped (really absent) or outcome unknown", async () => {
    const c = startCluster(["s1", "s2", "s3"], { RAFT_TICK_MS: "20" });
    await c.start();
    const answers = new Map<string, { code: string; at: number }>();
    const leaderAmong = async (ids: string[]): Promise<string> => {
      for (let i = 0; i < 1500; i++) {
        for (const id of ids) {
          const r = await c.call(id, { t: "status" }, 1000);
          if (r.ok && (r.value as { role: string }).role === "leader") return id;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error("no leader elected");
    };
    let slowest = 0;
    let survivor = "";
    // A round catches the leader's pending, unsent group-commit batch most of the time, not always: repeat
    // (at most 10 rounds) until a write had to settle without being applied.
    for (let round = 0; round < 10; round++) {
      const old = await leaderAmong([...c.nodes.keys()]);
      const others = [...c.nodes.keys()].filter((id) => id !== old);
      // Every write goes to the old leader and waits for its own answer: no client-side deadline (60 s).
      const write = async (key: string) => {
        const r = await c.call(old, { t: "put", key, value: "v" }, 60_000);
        answers.set(key, { code: r.ok ? "ok" : r.code!, at: Date.now() });
      };
      let frozen = false;
      // 64 concurrent writers keep a batch in the leader's log, not yet sent, most of the time: frozen at
      // that moment, those entries exist only on the old leader.
      const writers = Array.from({ length: 64 }, async (_, w) => {
        for (let i = 0; !frozen; i++) await write(`r${round}-w${w}-${i}`);
      });
      const start = answers.size;
      while (answers.size < start + 300) await new Promise((r) => setTimeout(r, 1));
      c.pause(old);
      frozen = true;
      // Writes the frozen process reads only once resumed, possibly while it still believes it leads.
      const queued = Array.from({ length: 100 }, (_, i) => write(`r${round}-q-${i}`));
      survivor = await leaderAmong(others);
      // The new leader commits its own entry and one write, then the cluster stays quiet: nothing else is
      // ever committed at most of the indexes the old leader had.
      expect(await c.put(`r${round}-after-election`, "v", { leader: survivor })).toBe(true);
      const resumedAt = Date.now();
      c.resume(old);
      await Promise.all([...writers, ...queued]);
      for (const a of answers.values()) slowest = Math.max(slowest, a.at - resumedAt);
      if ([...answers.values()].some((a) => a.code !== "ok" && a.code !== "RAFT_NOT_LEADER")) break;
    }
    // The bound the brief asks for: every proposal settles within about two election timeouts (here
    // 2 × 200–400 ms) once the old leader runs again; 10 s leaves room for a loaded machine.
    expect(slowest).toBeLessThan(10_000);
    const byCode = new Map<string, string[]>();
    for (const [key, a] of answers) byCode.set(a.code, [...(byCode.get(a.code) ?? []), key]);
    const expected = /^(ok|RAFT_(PROPOSAL_DROPPED|OUTCOME_UNKNOWN|NOT_LEADER))$/;
    expect([...byCode.keys()].filter((code) => !expected.test(code))).toEqual([]);
    expect(
      (byCode.get("RAFT_PROPOSAL_DROPPED")?.length ?? 0) + (byCode.get("RAFT_OUTCOME_UNKNOWN")?.length ?? 0),
    ).toBeGreaterThan(0);
    // "Dropped" must mean it: none of those writes is in the leader's state; every "ok" one is.
    await c.put("barrier", "v", { leader: survivor });
    const leader = await leaderAmong([...c.nodes.keys()]);
    const missing = async (keys: string[]) => (await c.call(leader, { t: "has", keys })).value as string[];
    const dropped = byCode.get("RAFT_PROPOSAL_DROPPED") ?? [];
    expect((await missing(dropped)).length).toBe(dropped.length);
    expect(await missing(byCode.get("ok") ?? [])).toEqual([]);
    process.stdout.write(
      `SIGSTOP/SIGCONT of the leader: ${answers.size} writes, ${[...byCode].map(([code, k]) => `${code} ${k.length}`).join(", ")}; ` +
        `last answer ${slowest} ms after a resume\n`,
    );
  }, 240_000);
});
