import { describe, expect, it } from "vitest";
import { put } from "../__tests__/fixtures.js";
import { ManualClock } from "../__tests__/manualClock.js";
import type { Command } from "../state/commands.js";
import { ForwardBatcher, type ForwardingRpc } from "./forwardBatcher.js";
import { outcomeUnknown } from "./logErrors.js";
import type { Applied } from "./rpc.js";
import type { Forwarded } from "./rpcClient.js";

const leader = { node: "a", url: "http://a.internal" };
const command = (i: number): Command => ({
  type: "node.announce",
  node: `n${i}`,
  apiUrl: `http://n${i}`,
  at: i,
});
const applied = (index: number): Applied => ({ result: { ok: true }, index }) as Applied;

/** A leader's RPC that holds every batch until the test answers it. */
function heldRpc() {
  const batches: {
    commands: Command[];
    answer: (outcomes: Forwarded[] | "unsupported" | "too large") => void;
  }[] = [];
  const singles: Command[] = [];
  const rpc: ForwardingRpc = {
    forwardBatch: (_target, commands) =>
      new Promise((resolve) => batches.push({ commands, answer: resolve })),
    forwardProposal: async (_target, forwarded) => {
      singles.push(forwarded);
      return applied(100 + singles.length);
    },
  };
  return { rpc, batches, singles };
}

const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe("ForwardBatcher", () => {
  it("forwards the commands of one turn in one request, each with its own outcome", async () => {
    const { rpc, batches } = heldRpc();
    const batcher = new ForwardBatcher(rpc, new ManualClock());
    const outcomes = [0, 1, 2].map((i) =>
      batcher.forward(leader, command(i), 10_000).catch((error: unknown) => error),
    );
    await turns();
    expect(batches.map((b) => b.commands.length)).toEqual([3]);
    const unknown = outcomeUnknown("Leadership changed while the command was in the log.");
    batches[0]!.answer([{ applied: applied(7) }, { applied: undefined }, { error: unknown }]);
    expect(await Promise.all(outcomes)).toEqual([applied(7), undefined, unknown]);
  });

  it("keeps two requests in flight and sends what came meanwhile together", async () => {
    const { rpc, batches } = heldRpc();
    const batcher = new ForwardBatcher(rpc, new ManualClock());
    const first = batcher.forward(leader, command(0), 10_000);
    await turns();
    const second = batcher.forward(leader, command(1), 10_000);
    await turns();
    const waiting = [2, 3, 4].map((i) => batcher.forward(leader, command(i), 10_000));
    await turns();
    expect(batches.map((b) => b.commands.length)).toEqual([1, 1]);
    batches[0]!.answer([{ applied: applied(1) }]);
    await turns();
    expect(batches.map((b) => b.commands.length)).toEqual([1, 1, 3]);
    batches[1]!.answer([{ applied: applied(2) }]);
    batches[2]!.answer([3, 4, 5].map((index) => ({ applied: applied(index) })));
    expect(await Promise.all([first, second, ...waiting])).toEqual([1, 2, 3, 4, 5].map(applied));
  });

  it("forwards one by one to a leader without the batch endpoint, and remembers it", async () => {
    const { rpc, batches, singles } = heldRpc();
    const batcher = new ForwardBatcher(rpc, new ManualClock());
    const outcomes = [0, 1].map((i) => batcher.forward(leader, command(i), 10_000));
    await turns();
    batches[0]!.answer("unsupported");
    expect(await Promise.all(outcomes)).toEqual([applied(101), applied(102)]);
    expect(await batcher.forward(leader, command(2), 10_000)).toEqual(applied(103));
    expect(batches).toHaveLength(1);
    expect(singles).toEqual([command(0), command(1), command(2)]);
  });

  it("forwards one by one the commands of a batch too large for the leader, and batches again after", async () => {
    const { rpc, batches, singles } = heldRpc();
    const batcher = new ForwardBatcher(rpc, new ManualClock());
    const outcomes = [0, 1].map((i) => batcher.forward(leader, command(i), 10_000));
    await turns();
    batches[0]!.answer("too large");
    expect(await Promise.all(outcomes)).toEqual([applied(101), applied(102)]);
    const next = batcher.forward(leader, command(2), 10_000);
    await turns();
    batches[1]!.answer([{ applied: applied(3) }]);
    expect(await next).toEqual(applied(3));
    expect(singles).toEqual([command(0), command(1)]);
  });

  it("settles each command at its own deadline: outcome unknown once sent, not applied if never sent", async () => {
    const clock = new ManualClock();
    const { rpc, batches } = heldRpc();
    const batcher = new ForwardBatcher(rpc, clock);
    const sent = [batcher.forward(leader, command(0), 1_000), batcher.forward(leader, command(1), 1_000)];
    const outcomes = sent.map((p) => p.catch((error: unknown) => error));
    await turns();
    await clock.advance(1_000);
    expect(await Promise.all(outcomes)).toMatchObject([
      { code: "AMS_ERR_LOG_OUTCOME_UNKNOWN" },
      { code: "AMS_ERR_LOG_OUTCOME_UNKNOWN" },
    ]);
    // The leader answers late: the outcomes stay what they were.
    batches[0]!.answer([{ applied: applied(1) }, { applied: applied(2) }]);
    // Two requests hang; a command whose deadline passes in the queue was never sent.
    const other = { node: "b", url: "http://b.internal" };
    void batcher.forward(other, put(), 60_000);
    await turns();
    void batcher.forward(other, put(), 60_000);
    await turns();
    const queued = batcher.forward(other, put(), 500);
    await clock.advance(500);
    batches[1]!.answer([{ applied: applied(3) }]);
    expect(await queued).toBeUndefined();
    expect(batches.map((b) => b.commands.length)).toEqual([2, 1, 1]);
  });
});
