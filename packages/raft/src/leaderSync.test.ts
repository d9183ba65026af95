import { describe, expect, it } from "vitest";
import { LeaderSync } from "./leaderSync.js";
import type { Ready } from "./types.js";

const ready = (index: number): Ready => ({
  entries: [{ index, term: 1, type: 0, data: new Uint8Array() }],
  mustSync: true,
  durableLater: true,
  earlyMessages: [],
  messages: [],
  committedEntries: [],
  readStates: [],
});

describe("LeaderSync", () => {
  it("syncs a Ready added in the microtask after a sync reported the last one durable", async () => {
    const durable: number[] = [];
    const sync: LeaderSync = new LeaderSync({
      sync: () => new Promise((resolve) => setImmediate(resolve)),
      durable: (rd) => durable.push(rd.entries[0]!.index),
      // As a node's loop does: reporting the write applies it, its proposer's continuation (a microtask)
      // proposes again, and the leader saves and hands over the next Ready at once.
      resume: () => {
        if (durable.length === 1) queueMicrotask(() => sync.add(ready(2)));
      },
      stopped: () => false,
      fail: async () => {},
    });
    sync.add(ready(1));
    for (let turn = 0; turn < 20 && durable.length < 2; turn++) await new Promise((r) => setImmediate(r));
    expect(durable).toEqual([1, 2]);
    await sync.idle();
  });
});
