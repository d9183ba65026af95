// The leader writes its log in parallel with replicating it (Raft thesis §10.2.1): its AppendEntries leave
// before its own write, and its own log counts towards the commit quorum only once `advance()` reports it
// durable. Driven by hand, one Ready at a time, so each step of the commit rule is visible.
import { describe, expect, it } from "vitest";
import { Net } from "./__tests__/net.js";
import type { RaftCore } from "./raft.js";
import { RaftLog } from "./raftLog.js";
import { EntryType, type Message, type Ready } from "./types.js";

const enc = (s: string) => new TextEncoder().encode(s);

/** A follower handles one message completely (persist, advance) and returns its replies. */
function follow(core: RaftCore, m: Message): Message[] {
  core.step(m);
  const out: Message[] = [];
  while (core.hasReady()) {
    const rd = core.ready();
    out.push(...rd.earlyMessages);
    core.advance(rd);
    out.push(...rd.messages);
  }
  return out;
}

function elect(ids: string[]): { net: Net; leader: RaftCore } {
  const net = new Net(ids);
  net.get("a").campaign();
  net.settle();
  return { net, leader: net.get("a") };
}

/** The leader proposes one command and hands out its Ready without persisting it. */
function proposeUnsynced(leader: RaftCore): { index: number; rd: Ready } {
  const res = leader.propose([enc("x")]);
  if ("refused" in res) throw new Error(res.refused);
  return { index: res.first, rd: leader.ready() };
}

describe("leader log write in parallel with replication (thesis §10.2.1)", () => {
  it("sends the new entries before its own write, and acknowledgements only after a write", () => {
    const { leader } = elect(["a", "b", "c"]);
    const { index, rd } = proposeUnsynced(leader);
    expect(rd.mustSync).toBe(true);
    expect(rd.entries.map((e) => e.index)).toEqual([index]);
    expect(rd.earlyMessages.map((m) => [m.type, m.to, m.entries?.map((e) => e.index)])).toEqual([
      ["app", "b", [index]],
      ["app", "c", [index]],
    ]);
    expect(rd.messages).toEqual([]);
    // Nothing waits for the write: it may become durable in the background.
    expect(rd.durableLater).toBe(true);
  });

  it("does not count an unsynced leader: one follower's acknowledgement is not a majority of three", () => {
    const { net, leader } = elect(["a", "b", "c"]);
    const before = leader.commit;
    const { index, rd } = proposeUnsynced(leader);
    const toB = rd.earlyMessages.find((m) => m.to === "b")!;
    for (const reply of follow(net.get("b"), toB)) leader.step(reply);
    expect(net.get("b").stableIndex()).toBe(index); // b wrote it before acknowledging
    expect(leader.stableIndex()).toBeLessThan(index);
    expect(leader.commit).toBe(before);

    // The leader's own write completes: now a and b hold it, a majority.
    leader.advance(rd);
    expect(leader.commit).toBe(index);
    const next = leader.ready();
    expect(next.committedEntries.map((e) => e.index)).toEqual([index]);
    // Only the commit index moved: written, but no fsync needed.
    expect(next.mustSync).toBe(false);
    expect(next.hardState?.commit).toBe(index);
    // Followers learn the new commit index at once.
    expect(next.earlyMessages.filter((m) => m.type === "app").map((m) => [m.to, m.commit])).toEqual([
      ["b", index],
      ["c", index],
    ]);
  });

  it("commits with a majority of followers while the leader's own write is still running", () => {
    const { net, leader } = elect(["a", "b", "c"]);
    const { index, rd } = proposeUnsynced(leader);
    for (const m of rd.earlyMessages) for (const reply of follow(net.get(m.to), m)) leader.step(reply);
    expect(leader.stableIndex()).toBeLessThan(index);
    expect(leader.commit).toBe(index);
    // The committed entry is handed out for applying only in a Ready after the one being written.
    leader.advance(rd);
    expect(leader.ready().committedEntries.map((e) => e.index)).toEqual([index]);
  });

  it("needs three of five: two followers and an unsynced leader are not enough", () => {
    const { net, leader } = elect(["a", "b", "c", "d", "e"]);
    const before = leader.commit;
    const { index, rd } = proposeUnsynced(leader);
    const acked = rd.earlyMessages.filter((m) => m.to === "b" || m.to === "c");
    for (const m of acked) for (const reply of follow(net.get(m.to), m)) leader.step(reply);
    expect(leader.commit).toBe(before);
    leader.advance(rd);
    expect(leader.commit).toBe(index);
  });

  it("a single node commits only once its write is reported", () => {
    const net = new Net(["a"]);
    const a = net.get("a");
    a.campaign();
    net.settle();
    const { index, rd } = proposeUnsynced(a);
    // Its own write is the quorum: a background sync would only add a thread's round trip to each commit.
    expect(rd.durableLater).toBeUndefined();
    expect(a.commit).toBe(index - 1);
    expect(rd.committedEntries).toEqual([]);
    a.advance(rd);
    expect(a.commit).toBe(index);
  });

  it("keeps every message until the write when the Ready changes the term or vote", () => {
    const net = new Net(["a", "b", "c"], { preVote: false });
    const a = net.get("a");
    a.campaign();
    const rd = a.ready();
    expect(rd.hardState?.vote).toBe("a");
    expect(rd.mustSync).toBe(true);
    expect(rd.earlyMessages).toEqual([]);
    expect(rd.messages.map((m) => m.type)).toEqual(["vote", "vote"]);
  });

  it("ignores a write report for entries the log no longer holds", () => {
    const entry = (index: number, term: number) => ({ index, term, type: EntryType.Normal, data: enc("") });
    const log = new RaftLog();
    log.append([entry(1, 1), entry(2, 1)], 0);
    log.stableTo(1, 1);
    expect(log.stableIndex()).toBe(1);
    // A new leader's entry replaces index 2 before the write of the old one is reported.
    log.append([entry(2, 2)], 1);
    log.stableTo(2, 1);
    expect(log.stableIndex()).toBe(1);
    log.stableTo(2, 2);
    expect(log.stableIndex()).toBe(2);
    // Truncation takes durability back with it.
    log.append([entry(2, 3)], 1);
    expect(log.stableIndex()).toBe(1);
  });
});
