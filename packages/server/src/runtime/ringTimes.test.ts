import { describe, expect, it } from "vitest";
import { RingTimes } from "./ringTimes.js";

const start = Date.UTC(2026, 11, 1);
const day = 86_400_000;

/** A ring of 4 per slot, with room for 2 slots. */
function rings(): RingTimes {
  const times = new RingTimes(4);
  times.grow(2);
  times.clear(0);
  times.clear(1);
  return times;
}

describe("RingTimes", () => {
  it("gives back every time exactly, also times earlier than the first (a seed after a restart)", () => {
    const times = rings();
    times.set(0, 2, start);
    times.set(0, 3, start + 10_007);
    times.set(0, 0, start - 20_003);
    times.set(0, 1, start - 10_001);
    expect([0, 1, 2, 3].map((k) => times.get(0, k))).toEqual([
      start - 20_003,
      start - 10_001,
      start,
      start + 10_007,
    ]);
  });

  it("follows a ring for years in 4 bytes a time while its samples span less than 49 days", () => {
    const times = rings();
    const bytes = times.bytes;
    for (let i = 0; i < 400; i++) times.set(1, i % 4, start + i * 5 * day + i);
    expect([0, 1, 2, 3].map((k) => times.get(1, k))).toEqual(
      [396, 397, 398, 399].map((i) => start + i * 5 * day + i),
    );
    expect(times.bytes).toBe(bytes);
  });

  it("keeps a ring spanning more than 49.7 days, or fractions of a millisecond, as doubles", () => {
    const times = rings();
    for (let i = 0; i < 4; i++) times.set(0, i, start + i * 30 * day);
    times.set(1, 0, start);
    times.set(1, 1, start + 0.5);
    expect([0, 1, 2, 3].map((k) => times.get(0, k))).toEqual([0, 1, 2, 3].map((i) => start + i * 30 * day));
    expect([times.get(1, 0), times.get(1, 1)]).toEqual([start, start + 0.5]);
    expect(times.bytes).toBe(rings().bytes + 2 * 4 * 8);
  });

  it("forgets a slot's times, and what it kept aside, when the slot is cleared for another monitor", () => {
    const times = rings();
    for (let i = 0; i < 4; i++) times.set(0, i, start + i * 30 * day);
    times.clear(0);
    times.set(0, 0, start + 1);
    expect([times.get(0, 0), times.get(0, 3)]).toEqual([start + 1, start + 1]);
    expect(times.bytes).toBe(rings().bytes);
  });
});
