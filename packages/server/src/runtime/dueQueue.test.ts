import { describe, expect, it } from "vitest";
import { type Due, DueQueue } from "./dueQueue.js";

const item = (name: string): Due & { name: string } => ({ name, dueAt: 0, queueIndex: -1, queueSeq: 0 });

function drain(queue: DueQueue<Due & { name: string }>, now: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < 1_000; i++) {
    const next = queue.popDue(now);
    if (!next) break;
    out.push(next.name);
  }
  return out;
}

describe("DueQueue", () => {
  it("gives items back earliest first, equal due times in the order they were queued", () => {
    const queue = new DueQueue<Due & { name: string }>();
    const dues = [50, 10, 30, 10, 70, 20, 30, 0];
    dues.forEach((at, i) => {
      queue.set(item(`i${i}`), at);
    });
    expect(queue.size).toBe(dues.length);
    expect(queue.peek()?.name).toBe("i7");
    expect(drain(queue, 25)).toEqual(["i7", "i1", "i3", "i5"]);
    expect(queue.popDue(29)).toBeUndefined();
    expect(drain(queue, 100)).toEqual(["i2", "i6", "i0", "i4"]);
    expect(queue.size).toBe(0);
  });

  it("moves and deletes items anywhere in the queue, and ignores items not in it", () => {
    const queue = new DueQueue<Due & { name: string }>();
    const items = Array.from({ length: 200 }, (_, i) => item(`i${i}`));
    // A scrambled but deterministic order of due times.
    items.forEach((it, i) => {
      queue.set(it, (i * 7919) % 1_000);
    });
    for (let i = 0; i < 200; i += 3) queue.delete(items[i]!);
    for (let i = 1; i < 200; i += 3) queue.set(items[i]!, 2_000 - i);
    queue.delete(items[0]!);
    queue.delete(item("never queued"));
    const expected = items
      .map((it, i) => ({
        name: it.name,
        at: i % 3 === 0 ? -1 : i % 3 === 1 ? 2_000 - i : (i * 7919) % 1_000,
      }))
      .filter((e) => e.at >= 0)
      .sort((a, b) => a.at - b.at)
      .map((e) => e.name);
    expect(drain(queue, 10_000)).toEqual(expected);
    expect(items.every((it) => it.queueIndex === -1)).toBe(true);
  });

  it("clears every item", () => {
    const queue = new DueQueue<Due & { name: string }>();
    const a = item("a");
    queue.set(a, 5);
    queue.set(item("b"), 1);
    queue.clear();
    expect(queue.size).toBe(0);
    expect(queue.peek()).toBeUndefined();
    expect(a.queueIndex).toBe(-1);
    queue.set(a, 3);
    expect(drain(queue, 3)).toEqual(["a"]);
  });
});
