import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "./__tests__/manualClock.js";
import { CommitNotices } from "./commitNotices.js";
import { RaftErrorCode } from "./errors.js";
import { type KvCommand, KvStateMachine } from "./kvStateMachine.js";
import { MemoryNetwork } from "./memoryNetwork.js";
import { RaftNode } from "./raftNode.js";
import { MemoryStorage } from "./storage.js";
import type { Message } from "./types.js";

const notice = (to: string, commit: number, term = 1): Message => ({
  type: "app",
  from: "a",
  to,
  term,
  index: commit,
  logTerm: term,
  entries: [],
  commit,
});

function notices(delayMs = 2) {
  const clock = new ManualClock();
  const sent: Message[][] = [];
  return { clock, sent, n: new CommitNotices(clock, delayMs, (m) => sent.push(m)) };
}

describe("CommitNotices", () => {
  it("holds a notice for the delay, the latest one per follower, and sends the rest at once", () => {
    const { clock, sent, n } = notices();
    const vote: Message = { type: "heartbeat", from: "a", to: "b", term: 1, commit: 0 };
    expect(n.hold([notice("b", 1), vote, notice("c", 1)])).toEqual([vote]);
    expect(n.hold([notice("b", 2)])).toEqual([]);
    clock.advance(1);
    expect(sent).toEqual([]);
    clock.advance(1);
    expect(sent).toEqual([[notice("b", 2), notice("c", 1)]]);
  });

  it("drops a notice that a later message to the same follower carries, and only that one", () => {
    const { clock, sent, n } = notices();
    n.hold([notice("b", 5), notice("c", 5)]);
    // The next AppendEntries to b carries commit 5; a heartbeat to c with commit 4 does not tell c enough.
    n.sending([{ ...notice("b", 5), entries: [{ index: 6, term: 1, type: 0, data: new Uint8Array() }] }]);
    n.sending([{ type: "heartbeat", from: "a", to: "c", term: 1, commit: 4 }]);
    clock.advance(2);
    expect(sent).toEqual([[notice("c", 5)]]);
  });

  it("forgets its notices when cleared, and passes them through with a delay of 0", () => {
    const { clock, sent, n } = notices();
    n.hold([notice("b", 1)]);
    n.clear();
    clock.advance(10);
    expect(sent).toEqual([]);
    expect(notices(0).n.hold([notice("b", 1)])).toEqual([notice("b", 1)]);
    expect(() => new CommitNotices(clock, -1, () => {})).toThrow(
      expect.objectContaining({ code: RaftErrorCode.InvalidOption }),
    );
  });
});

describe("RaftNode's commit notices", () => {
  const live: RaftNode<KvCommand, string | null>[] = [];
  afterEach(async () => {
    await Promise.all(live.splice(0).map((x) => x.stop()));
  });
  const turns = async (k = 20) => {
    for (let i = 0; i < k; i++) await new Promise((r) => setImmediate(r));
  };

  it("tells followers of a commit with the next write, or once the delay is over", async () => {
    // One clock for all three nodes, and ticks of a minute: no heartbeat tells the followers meanwhile.
    const clock = new ManualClock();
    const tickMs = 60_000;
    const net = new MemoryNetwork();
    const ids = ["a", "b", "c"];
    const nodes = await Promise.all(
      ids.map((id) =>
        RaftNode.create<KvCommand, string | null>({
          id,
          initialMembers: ids,
          transport: net.transport(id),
          storage: new MemoryStorage(),
          stateMachine: new KvStateMachine(),
          tickMs,
          clock,
          commitNoticeDelayMs: 5,
        }),
      ),
    );
    live.push(...nodes);
    for (let i = 0; i < 40 && !nodes.some((x) => x.role === "leader"); i++) {
      clock.advance(tickMs);
      await turns();
    }
    const leader = nodes.find((x) => x.role === "leader")!;
    const followers = nodes.filter((x) => x !== leader);
    await leader.propose({ op: "put", key: "k", value: "1" });
    await turns();
    const first = leader.appliedIndex;
    expect(followers.map((f) => f.appliedIndex < first)).toEqual([true, true]);
    // The next write's AppendEntries carries the first one's commit.
    await leader.propose({ op: "put", key: "k", value: "2" });
    await turns();
    expect(followers.map((f) => f.appliedIndex)).toEqual([first, first]);
    clock.advance(5);
    await turns();
    expect(followers.map((f) => f.appliedIndex)).toEqual([first + 1, first + 1]);
  });
});
