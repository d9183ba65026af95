import { describe, expect, it } from "vitest";
import { ProposalTracker } from "./proposalTracker.js";
import { type Entry, EntryType, type SoftState } from "./types.js";

const entry = (index: number, term: number): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: new Uint8Array(0),
});
const soft = (role: SoftState["role"], term: number): { softState: SoftState } => ({
  softState: { role, term, leader: role === "leader" ? "a" : null },
});
const snapshot = (index: number, term: number) => ({
  snapshot: { meta: { index, term, conf: { voters: ["a"], learners: [] } }, data: new Uint8Array(0) },
});

describe("ProposalTracker", () => {
  it("settles by the committed entry at the proposal's index: same term applied, other term dropped", () => {
    const t = new ProposalTracker<string>();
    t.observe(soft("leader", 2));
    t.track(3, 2, "x");
    t.track(4, 2, "y");
    expect(t.committed(entry(3, 2))).toMatchObject({ token: "x", outcome: "applied" });
    expect(t.committed(entry(4, 3))).toMatchObject({ token: "y", outcome: "dropped" });
    expect(t.size).toBe(0);
  });

  it("settles by a covering snapshot: its last term equal → applied, result unknown; older → dropped; later → unknown", () => {
    const t = new ProposalTracker<string>();
    t.track(3, 2, "same");
    t.track(4, 5, "older");
    t.track(5, 1, "later");
    t.track(9, 2, "beyond");
    const settled = t.observe(snapshot(6, 2));
    expect(Object.fromEntries(settled.map((s) => [s.token, s.outcome]))).toEqual({
      same: "appliedResultUnknown",
      older: "dropped",
      later: "unknown",
    });
    expect(t.size).toBe(1);
  });

  it("reads the entry's term from a snapshot's term boundaries when they cover its index", () => {
    const t = new ProposalTracker<string>();
    t.track(3, 2, "kept");
    t.track(5, 2, "replaced");
    t.track(1, 2, "before the boundaries");
    const snap = snapshot(9, 4);
    const terms: [number, number][] = [
      [2, 2],
      [5, 3],
      [8, 4],
    ];
    const settled = t.observe({ snapshot: { ...snap.snapshot, meta: { ...snap.snapshot.meta, terms } } });
    expect(Object.fromEntries(settled.map((s) => [s.token, s.outcome]))).toEqual({
      kept: "appliedResultUnknown",
      replaced: "dropped",
      "before the boundaries": "unknown",
    });
  });

  it("keeps a leader's proposals pending while it leads their term; gives up one grace period after it stopped", () => {
    const t = new ProposalTracker<string>({ graceTicks: 3 });
    t.observe(soft("leader", 2));
    t.track(3, 2, "x");
    for (let i = 0; i < 10; i++) expect(t.tick()).toEqual([]);
    t.observe(soft("follower", 3));
    expect(t.tick()).toEqual([]);
    // Leading again, in a later term, does not bring the old term's proposal back under its leader.
    t.observe(soft("leader", 4));
    expect(t.tick()).toEqual([]);
    expect(t.tick()).toEqual([{ token: "x", index: 3, term: 2, outcome: "unknown" }]);
  });

  it("untracks a proposal its caller gave up on, and clears everything on stop", () => {
    const t = new ProposalTracker<string>();
    t.track(3, 2, "x");
    t.track(4, 2, "y");
    expect(t.untrack(3)).toBe("x");
    expect(t.committed(entry(3, 2))).toBeUndefined();
    expect(t.clear()).toEqual(["y"]);
  });
});
