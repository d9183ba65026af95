import { describe, expect, it } from "vitest";
import { Net } from "./__tests__/net.js";

const enc = (s: string) => new TextEncoder().encode(s);

describe("RaftCore elections", () => {
  it("elects a leader with pre-vote and commits its empty entry", () => {
    const net = new Net(["a", "b", "c"]);
    net.settle();
    net.get("a").campaign();
    const msgs = net.settle();
    expect(msgs.filter((m) => m.type === "prevote")).toHaveLength(2);
    expect(net.get("a").role).toBe("leader");
    expect(net.get("a").term).toBe(2);
    expect(net.get("b").leader).toBe("a");
    expect(net.get("a").commit).toBe(2);
  });

  it("refuses to vote for a candidate whose last log term is older even if its log is longer (§5.4.1)", () => {
    const net = new Net(["a", "b", "c"], { preVote: false, checkQuorum: false });
    net.get("a").campaign();
    net.settle();
    // a (term 2) appends entries only it holds, while b and c move on to term 3 with one more entry.
    net.isolate("a");
    net.get("a").propose([enc("x1"), enc("x2"), enc("x3")]);
    net.settle();
    net.get("b").campaign();
    net.settle();
    net.get("b").propose([enc("y")]);
    net.settle();
    expect(net.get("a").lastIndex()).toBeGreaterThan(net.get("b").lastIndex());
    net.heal();
    // c now has a shorter log of a newer term; a's longer log of an older term must lose.
    net.isolate("b");
    net.restart("a", { preVote: false, checkQuorum: false });
    net.get("a").campaign(); // term 3: c already voted for b
    net.settle();
    net.get("a").campaign(); // term 4: c must refuse because a's last term (2) is older than its own (3)
    net.settle();
    expect(net.get("a").role).not.toBe("leader");
    expect(net.get("c").vote).not.toBe("a");
    net.get("c").campaign();
    net.settle();
    expect(net.get("c").role).toBe("leader");
    net.heal();
    net.settle();
    expect(net.applied.get("a")).toEqual(["y"]);
  });

  it("pre-vote keeps a partitioned node from disrupting the cluster with term inflation", () => {
    const net = new Net(["a", "b", "c"]);
    net.get("a").campaign();
    net.settle();
    net.isolate("c");
    net.tick("c", 100);
    expect(net.get("c").term).toBe(net.get("a").term);
    net.heal();
    net.tickAll(3);
    expect(net.get("a").role).toBe("leader");
  });

  it("check-quorum makes a partitioned leader step down", () => {
    const net = new Net(["a", "b", "c"]);
    net.get("a").campaign();
    net.settle();
    net.isolate("a");
    net.tick("a", 25);
    expect(net.get("a").role).toBe("follower");
  });

  it("with check-quorum, followers ignore vote requests while their leader is alive", () => {
    const net = new Net(["a", "b", "c"], { preVote: false });
    net.get("a").campaign();
    net.settle();
    const term = net.get("a").term;
    net.get("c").campaign(); // c campaigns without reason (e.g. a spurious timeout)
    net.settle();
    expect(net.get("a").role).toBe("leader");
    expect(net.get("b").term).toBe(term);
  });

  it("transfers leadership with TimeoutNow after catching the target up", () => {
    const net = new Net(["a", "b", "c"]);
    net.get("a").campaign();
    net.settle();
    net.isolate("c");
    net.get("a").propose([enc("1")]);
    net.settle();
    net.heal();
    expect(net.get("a").transferLeadership("c")).toBe(true);
    const msgs = net.settle();
    expect(msgs.some((m) => m.type === "timeoutNow" && m.to === "c")).toBe(true);
    expect(net.get("c").role).toBe("leader");
    expect(net.get("a").role).toBe("follower");
  });
});

describe("RaftCore replication", () => {
  it("backtracks a divergent follower quickly using conflict hints", () => {
    const net = new Net(["a", "b", "c"], { preVote: false, checkQuorum: false });
    net.get("a").campaign();
    net.settle();
    net.isolate("a");
    net.get("a").propose(Array.from({ length: 50 }, (_, i) => enc(`stale${i}`)));
    net.settle();
    net.get("b").campaign();
    net.settle();
    net.get("b").propose([enc("fresh")]);
    net.heal();
    const msgs = net.tickAll(3);
    const rejects = msgs.filter((m) => m.type === "appResp" && m.reject && m.from === "a");
    expect(rejects.length).toBeLessThanOrEqual(2);
    expect(net.applied.get("a")).toEqual(["fresh"]);
  });

  it("serves ReadIndex only after a heartbeat quorum", () => {
    const net = new Net(["a", "b", "c"]);
    net.get("a").campaign();
    net.settle();
    net.isolate("a");
    expect(net.get("a").readIndex(7)).toBe(true);
    const rd = net.get("a").ready();
    expect(rd.readStates).toEqual([]);
    net.heal();
    expect(rd.messages).toEqual([]); // heartbeats are the leader's: they leave before its write
    for (const m of rd.earlyMessages) net.get(m.to).step(m);
    for (const id of ["b", "c"]) for (const m of net.get(id).ready().messages) net.get("a").step(m);
    expect(net.get("a").ready().readStates).toEqual([{ index: net.get("a").commit, context: 7 }]);
    expect(net.get("b").readIndex(9)).toBe(false);
  });

  it("catches up a slow follower behind compaction with a chunked snapshot", () => {
    const net = new Net(["a", "b", "c"], { snapshotChunkSize: 3 });
    net.get("a").campaign();
    net.settle();
    net.isolate("c");
    for (let i = 0; i < 20; i++) net.get("a").propose([enc(`e${i}`)]);
    net.settle();
    const a = net.get("a");
    const snap = a.compact(enc("state-machine-bytes"));
    net.storages.get("a")!.saveSnapshot(snap, a.compactedIndex());
    net.heal();
    const msgs = net.tickAll(2);
    void msgs;
    expect(net.get("c").snapshot()?.data).toEqual(enc("state-machine-bytes"));
    expect(net.get("c").commit).toBe(a.commit);
    net.get("a").propose([enc("after")]);
    net.settle();
    expect(net.applied.get("c")).toEqual(["after"]);
  });

  it("restarts from durable state without losing committed entries", () => {
    const net = new Net(["a", "b", "c"]);
    net.get("a").campaign();
    net.settle();
    net.get("a").propose([enc("x"), enc("y")]);
    net.settle();
    net.restart("b");
    net.settle();
    expect(net.applied.get("b")).toEqual(["x", "y"]);
    expect(net.get("b").term).toBe(net.get("a").term);
  });
});

describe("RaftCore membership", () => {
  it("adds a learner that catches up, then promotes it to voter", () => {
    const net = new Net(["a", "b", "c", "d"], {}, ["a", "b", "c"]);
    net.get("a").campaign();
    net.settle();
    net.get("a").propose([enc("before")]);
    net.settle();
    const res = net.get("a").proposeConfChange({ type: "addLearner", id: "d" });
    expect("refused" in res).toBe(false);
    net.tickAll(2);
    expect(net.get("a").conf().learners).toEqual(["d"]);
    expect(net.applied.get("d")).toEqual(["before"]);
    expect(net.get("d").promotable()).toBe(false);
    net.get("a").proposeConfChange({ type: "addVoter", id: "d" });
    net.tickAll(2);
    expect(net.get("d").conf().voters).toEqual(["a", "b", "c", "d"]);
    expect(net.get("d").promotable()).toBe(true);
  });

  it("allows one membership change at a time", () => {
    const net = new Net(["a", "b", "c"]);
    net.get("a").campaign();
    net.settle();
    net.isolate("a");
    expect("refused" in net.get("a").proposeConfChange({ type: "addLearner", id: "d" })).toBe(false);
    expect(net.get("a").proposeConfChange({ type: "addLearner", id: "e" })).toEqual({
      refused: "confChangePending",
    });
  });

  it("a removed leader steps down and the rest elect a new one", () => {
    const net = new Net(["a", "b", "c"]);
    net.get("a").campaign();
    net.settle();
    net.get("a").proposeConfChange({ type: "remove", id: "a" });
    net.settle();
    expect(net.get("a").role).toBe("follower");
    net.tickAll(40);
    expect(net.leaders().filter((id) => id !== "a")).toHaveLength(1);
  });
});
