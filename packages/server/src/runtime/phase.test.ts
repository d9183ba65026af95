import { describe, expect, it } from "vitest";
import { monitorKey } from "../state/monitorKey.js";
import { nextSlot, phaseHash, phaseOffset } from "./phase.js";

describe("phase", () => {
  it("spreads the monitors of pushed modules evenly over their whole period", () => {
    const period = 10_000;
    const perSecond = new Array<number>(10).fill(0);
    // Keys shaped like pushed modules' monitors: a shared prefix, names that differ by a digit or two.
    for (let m = 0; m < 10; m++) {
      for (let i = 0; i < 1_000; i++)
        perSecond[Math.floor(phaseOffset(monitorKey(`cap-${m}`, `p${i}`), period) / 1_000)]!++;
    }
    // 10,000 monitors over 10 s: about 1,000 in every second (±3 standard deviations), none bunched.
    for (const count of perSecond) expect(Math.abs(count - 1_000)).toBeLessThan(90);
    // And at a finer grain, as a probe-slot queue sees it: no 100 ms holds more than twice its share.
    const perTenth = new Array<number>(100).fill(0);
    for (let i = 0; i < 10_000; i++)
      perTenth[Math.floor(phaseOffset(monitorKey("one", `p${i}`), period) / 100)]!++;
    expect(Math.max(...perTenth)).toBeLessThan(200);
  });

  it("is the same on every node and in every version, so a failover or an upgrade keeps each monitor's slots", () => {
    // Pinned values: changing the hash moves every monitor's phase, which a release must not do by accident.
    expect(phaseHash(monitorKey("User Service", "Health-Check Failed"))).toBe(
      phaseHash("User Service\u0000Health-Check Failed"),
    );
    expect([phaseHash(""), phaseHash("a"), phaseHash(monitorKey("m", "p1"))]).toEqual([
      6025113358609179, 932482856656146, 7026926457691176,
    ]);
    expect(Number.isSafeInteger(phaseHash("x".repeat(10_000)))).toBe(true);
  });

  it("finds the first slot strictly after a time", () => {
    expect(nextSlot(0, 10_000, 3_000)).toBe(3_000);
    expect(nextSlot(3_000, 10_000, 3_000)).toBe(13_000);
    expect(nextSlot(2_999, 10_000, 3_000)).toBe(3_000);
    expect(nextSlot(1_764_000_000_123, 10_000, 3_000)).toBe(1_764_000_003_000);
    expect(nextSlot(-5, 10_000, 0)).toBe(0);
  });
});
