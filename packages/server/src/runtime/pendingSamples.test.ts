import { describe, expect, it } from "vitest";
import { blankPendingSample, PendingSamples } from "./pendingSamples.js";

const row = blankPendingSample;
const push = (queue: PendingSamples, t: number, value: number | null = null, message: string | null = null) =>
  queue.push("m", `p${t}`, t, t % 4, t / 10, value, message);
const front = (queue: PendingSamples, count: number) =>
  Array.from({ length: Math.min(count, queue.size) }, (_, i) => queue.read(i, row()).t);

describe("PendingSamples", () => {
  it("hands samples out oldest first, as recorded, and takes out only those written", () => {
    const queue = new PendingSamples(4);
    push(queue, 1, 2.5, "HTTP 500");
    push(queue, 2);
    push(queue, 3);
    expect(queue.read(0, row())).toEqual({
      module: "m",
      monitor: "p1",
      t: 1,
      status: 1,
      latencyMs: 0.1,
      value: 2.5,
      message: "HTTP 500",
    });
    expect(queue.read(1, row())).toMatchObject({ value: null, message: null });
    queue.shift(1);
    expect(front(queue, 10)).toEqual([2, 3]);
    push(queue, 4);
    push(queue, 5);
    // Around the end of the ring.
    expect(front(queue, 4)).toEqual([2, 3, 4, 5]);
    queue.shift(10);
    expect(queue.size).toBe(0);
  });

  it("drops the oldest sample to make room when full, and counts it", () => {
    const queue = new PendingSamples(2);
    for (const t of [1, 2, 3, 4]) push(queue, t);
    expect(front(queue, 2)).toEqual([3, 4]);
    expect(queue.dropped).toBe(2);
    expect(queue.size).toBe(2);
  });

  it("grows past its first size, in order, from anywhere in the ring, up to its capacity", () => {
    const queue = new PendingSamples(5000);
    for (let t = 0; t < 1000; t++) push(queue, t);
    queue.shift(600);
    for (let t = 1000; t < 5600; t++) push(queue, t);
    expect(queue.size).toBe(5000);
    expect(queue.dropped).toBe(0);
    push(queue, 5600);
    expect(queue.dropped).toBe(1);
    expect(front(queue, 5000)).toEqual(Array.from({ length: 5000 }, (_, i) => 601 + i));
  });
});
