import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "./__tests__/manualClock.js";
import { RaftErrorCode } from "./errors.js";
import { type KvCommand, KvStateMachine } from "./kvStateMachine.js";
import { MemoryNetwork } from "./memoryNetwork.js";
import { RaftNode } from "./raftNode.js";
import { MemoryStorage } from "./storage.js";

const live: RaftNode<KvCommand, string | null>[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((n) => n.stop()));
});

// A minute per tick: the real clock could not elect anyone during a test, only the injected one.
const tickMs = 60_000;

async function soloNode(clock: ManualClock) {
  const node = await RaftNode.create<KvCommand, string | null>({
    id: "a",
    initialMembers: ["a"],
    transport: new MemoryNetwork().transport("a"),
    storage: new MemoryStorage(),
    stateMachine: new KvStateMachine(),
    tickMs,
    operationTimeoutMs: 10 * tickMs,
    clock,
  });
  live.push(node);
  return node;
}

describe("RaftNode with an injected clock", () => {
  it("ticks from the clock: it elects itself once the clock passes an election timeout", async () => {
    const clock = new ManualClock();
    const node = await soloNode(clock);
    expect(node.role).toBe("follower");
    clock.advance(20 * tickMs); // the election timeout is randomized in [10, 20) ticks
    expect(node.role).toBe("leader");
    expect(await node.propose({ op: "put", key: "k", value: "v" })).toBeNull();
  });

  it("measures addVoter's deadline on the clock", async () => {
    const clock = new ManualClock();
    const node = await soloNode(clock);
    clock.advance(20 * tickMs);
    await node.read(); // the new leader's first entry is committed (after its own write) and applied
    await node.addLearner("c"); // c never answers, so it never catches up
    const outcome = node.addVoter("c").catch((e: unknown) => e);
    clock.advance(9 * tickMs);
    clock.advance(2 * tickMs);
    expect(await outcome).toMatchObject({ code: RaftErrorCode.Timeout });
  });

  it("stops ticking when stopped", async () => {
    const clock = new ManualClock();
    const node = await soloNode(clock);
    await node.stop();
    clock.advance(20 * tickMs);
    expect(node.role).toBe("follower");
  });
});
