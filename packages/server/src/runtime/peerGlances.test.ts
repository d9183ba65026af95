import { describe, expect, it } from "vitest";
import { ManualClock } from "../__tests__/manualClock.js";
import { monitorKey } from "../state/monitorKey.js";
import { type GlanceReply, type GlanceRequest, PeerGlances } from "./peerGlances.js";

/** A peer fan-out whose rounds the test settles by hand. */
function fanOut() {
  const rounds: {
    request: GlanceRequest;
    settle: (replies: { node: string; reply: GlanceReply }[]) => void;
    fail: (error: Error) => void;
  }[] = [];
  const peers = (request: GlanceRequest) =>
    new Promise<{ node: string; reply: GlanceReply }[]>((settle, fail) =>
      rounds.push({ request, settle, fail }),
    );
  return { rounds, peers };
}

const bars = (hs: string): GlanceReply => ({
  rows: [{ m: "Payments", n: "API", hs, hl: [1, 2], u24: 1, u30: 0.5 }],
});
const api = monitorKey("Payments", "API");

describe("the other nodes' overview bars", () => {
  it("waits for the first round only, then serves the last answers and asks again after the ttl", async () => {
    const clock = new ManualClock();
    const { rounds, peers } = fanOut();
    const glances = new PeerGlances({ clock, peers, ttlMs: 2_000 });

    const first = glances.get();
    expect(glances.peek()).toBeUndefined();
    expect(rounds).toHaveLength(1); // a second view while the round runs asks nobody again
    expect(rounds[0]!.request).toEqual({});
    rounds[0]!.settle([{ node: "b", reply: bars("oo") }]);
    expect((await first).get("b")?.get(api)).toEqual({ hs: "oo", hl: [1, 2], u24: 1, u30: 0.5 });

    await clock.advance(1_999);
    expect((await glances.get()).get("b")?.get(api)?.hs).toBe("oo");
    expect(rounds).toHaveLength(1);

    // Expired: the stale answer is served at once while the next round runs.
    await clock.advance(1);
    expect((await glances.get()).get("b")?.get(api)?.hs).toBe("oo");
    expect(rounds).toHaveLength(2);
    // Node b did not answer in time; c did: b's rows lose their bars.
    rounds[1]!.settle([{ node: "c", reply: bars("oc") }]);
    await Promise.resolve();
    const next = await glances.get();
    expect(next.get("b")).toBeUndefined();
    expect(next.get("c")?.get(api)?.hs).toBe("oc");
  });

  it("keeps the last answers through a failed round, and asks again at the next view", async () => {
    const clock = new ManualClock();
    const { rounds, peers } = fanOut();
    const glances = new PeerGlances({ clock, peers });
    const first = glances.get();
    rounds[0]!.settle([{ node: "b", reply: bars("w") }]);
    await first;
    await clock.advance(2_000);
    glances.peek();
    rounds[1]!.fail(new Error("fan-out broke"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(glances.peek()?.get("b")?.get(api)?.hs).toBe("w");
    expect(rounds).toHaveLength(3);
  });

  it("waits for a slow first round at most waitMs; the round goes on and the next view has it", async () => {
    const clock = new ManualClock();
    const { rounds, peers } = fanOut();
    const glances = new PeerGlances({ clock, peers, waitMs: 500 });
    const first = glances.get();
    await clock.advance(500);
    expect((await first).size).toBe(0);
    expect(rounds).toHaveLength(1);
    rounds[0]!.settle([{ node: "b", reply: bars("u") }]);
    await Promise.resolve();
    expect((await glances.get()).get("b")?.get(api)?.hs).toBe("u");
    expect(rounds).toHaveLength(1);
  });

  it("answers nothing, at once, without peers (a node alone, or etcd)", async () => {
    const glances = new PeerGlances({ clock: new ManualClock() });
    expect((await glances.get()).size).toBe(0);
    expect(glances.peek()?.size).toBe(0);
  });
});
