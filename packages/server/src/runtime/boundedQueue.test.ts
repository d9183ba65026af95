import { describe, expect, it } from "vitest";
import { BoundedQueue } from "./boundedQueue.js";

describe("BoundedQueue", () => {
  it("hands items out oldest first, a few at a time, and takes out only those handled", () => {
    const queue = new BoundedQueue<number>(4);
    for (const n of [1, 2, 3]) queue.push(n);
    expect(queue.front(2)).toEqual([1, 2]);
    expect(queue.size).toBe(3);
    queue.shift(1);
    expect(queue.front(10)).toEqual([2, 3]);
    queue.push(4);
    queue.push(5);
    // Around the end of the ring.
    expect(queue.front(4)).toEqual([2, 3, 4, 5]);
    queue.shift(10);
    expect(queue.size).toBe(0);
    expect(queue.front(1)).toEqual([]);
  });

  it("drops the oldest item to make room when full, and counts it", () => {
    const queue = new BoundedQueue<string>(2);
    for (const s of ["a", "b", "c", "d"]) queue.push(s);
    expect(queue.front(2)).toEqual(["c", "d"]);
    expect(queue.dropped).toBe(2);
    expect(queue.size).toBe(2);
  });
});
