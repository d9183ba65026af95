import { describe, expect, it, vi } from "vitest";
import { type Due, DueList, dueListOf } from "./dueList.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An entry that notes when it expired. */
function entry(expired: string[], name: string, then?: () => void): Due & { expiredAt?: number } {
  const made: Due & { expiredAt?: number } = {
    dueAt: 0,
    dueList: undefined,
    previousDue: undefined,
    nextDue: undefined,
    expire: () => {
      made.expiredAt = performance.now();
      expired.push(name);
      then?.();
    },
  };
  return made;
}

describe("DueList", () => {
  it("expires only what was not removed, not before it is due though the timer was armed for the first", async () => {
    const list = new DueList(20);
    const expired: string[] = [];
    const [a, b, c] = [entry(expired, "a"), entry(expired, "b"), entry(expired, "c")];
    list.add(a);
    await sleep(5);
    list.add(b);
    list.add(c);
    list.remove(b);
    list.remove(a);
    await vi.waitFor(() => expect(expired).toEqual(["c"]), { timeout: 5_000, interval: 5 });
    expect(c.expiredAt).toBeGreaterThanOrEqual(c.dueAt - 1);
    expect(c.dueList).toBeUndefined();
    expect(list.armedFor).toBeUndefined();
  });

  it("expires what is added while it expires, and nothing once removed", async () => {
    const list = new DueList(5);
    const expired: string[] = [];
    const again = entry(expired, "again");
    const first = entry(expired, "first", () => list.add(again));
    const removed = entry(expired, "removed");
    list.add(first);
    await vi.waitFor(() => expect(expired).toEqual(["first", "again"]), { timeout: 5_000, interval: 5 });
    list.add(removed);
    list.remove(removed);
    list.remove(removed);
    await sleep(20);
    expect(expired).toEqual(["first", "again"]);
  });

  it("is one list per length, a length no timer can wait being 1 ms as for setTimeout", () => {
    expect(dueListOf(1000)).toBe(dueListOf(1000));
    expect(dueListOf(1000)).not.toBe(dueListOf(2000));
    expect(dueListOf(Number.NaN)).toBe(dueListOf(0));
    expect(dueListOf(2 ** 40)).toBe(dueListOf(1));
  });
});
