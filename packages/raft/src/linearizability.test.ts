import { describe, expect, it } from "vitest";
import { checkKvHistory, type KvOperation } from "./linearizability.js";

const put = (
  client: number,
  key: string,
  value: string,
  calledAt: number,
  returnedAt: number,
): KvOperation => ({
  client,
  kind: "put",
  key,
  value,
  calledAt,
  returnedAt,
});
const get = (
  client: number,
  key: string,
  value: string | null,
  calledAt: number,
  returnedAt: number,
): KvOperation => ({
  client,
  kind: "get",
  key,
  value,
  calledAt,
  returnedAt,
});

describe("checkKvHistory", () => {
  it("accepts a linearizable history with concurrent operations", () => {
    const h = [
      put(1, "x", "1", 0, 10),
      put(2, "x", "2", 5, 15),
      get(3, "x", "1", 12, 20), // put 2 may be linearized before put 1
      get(1, "x", "1", 21, 25),
    ];
    expect(checkKvHistory(h).ok).toBe(true);
  });

  it("rejects a stale read that starts after a write completed", () => {
    const h = [put(1, "x", "1", 0, 10), get(2, "x", null, 20, 30)];
    expect(checkKvHistory(h)).toEqual({ ok: false, badKey: "x" });
  });

  it("rejects reads that observe two writes in opposite orders", () => {
    const h = [
      put(1, "x", "a", 0, 100),
      put(2, "x", "b", 0, 100),
      get(3, "x", "a", 10, 20),
      get(3, "x", "b", 30, 40),
      get(4, "x", "a", 50, 60),
    ];
    expect(checkKvHistory(h).ok).toBe(false);
  });

  it("lets an indeterminate write take effect or not", () => {
    const took = [put(1, "x", "1", 0, Infinity), get(2, "x", "1", 5, 6)];
    const didNot = [put(1, "x", "1", 0, Infinity), get(2, "x", null, 5, 6), get(2, "x", null, 7, 8)];
    expect(checkKvHistory(took).ok).toBe(true);
    expect(checkKvHistory(didNot).ok).toBe(true);
    expect(checkKvHistory([...didNot, get(3, "x", "1", 9, 10), get(3, "x", null, 11, 12)]).ok).toBe(false);
  });

  it("checks keys independently", () => {
    const h = [
      put(1, "x", "1", 0, 10),
      put(1, "y", "2", 11, 20),
      get(2, "y", "2", 21, 22),
      get(2, "x", "1", 23, 24),
    ];
    expect(checkKvHistory(h).ok).toBe(true);
  });

  it("handles a larger concurrent history quickly", () => {
    const h: KvOperation[] = [];
    let t = 0;
    for (let i = 0; i < 200; i++) {
      h.push(put(i % 5, "k", `v${i}`, t, t + 7));
      h.push(get((i + 1) % 5, "k", `v${i}`, t + 3, t + 9));
      t += 5;
    }
    expect(checkKvHistory(h).ok).toBe(true);
  });
});
