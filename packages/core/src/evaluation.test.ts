import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluate, initialMonitorState, type MonitorState, type StatusChange } from "./evaluation.js";
import type { SampleResult } from "./sampleResult.js";
import { type SampleStatus, sampleStatuses } from "./status.js";

const sample = (status: SampleStatus, timestamp: number): SampleResult => ({
  status,
  message: status,
  durationMs: 1,
  timestamp,
});

function run(statuses: readonly SampleStatus[], consecutive: number) {
  let state: MonitorState = initialMonitorState;
  const changes: StatusChange[] = [];
  const states: MonitorState[] = [];
  statuses.forEach((status, i) => {
    const next = evaluate(state, sample(status, i * 1000), { consecutive });
    state = next.state;
    states.push(state);
    if (next.change) changes.push(next.change);
  });
  return { state, changes, states };
}

const statusArb = fc.constantFrom(...sampleStatuses);
const historyArb = fc.array(statusArb, { maxLength: 60 });
const consecutiveArb = fc.integer({ min: 1, max: 5 });

describe("evaluate", () => {
  it("changes status on the first differing sample by default", () => {
    const { changes } = run(["ok", "ok", "critical", "critical", "ok"], 1);
    expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual(["pending->ok", "ok->critical", "critical->ok"]);
  });

  it("gives back the same state while a steady monitor's samples change nothing", () => {
    const first = evaluate(initialMonitorState, sample("ok", 1000)).state;
    const second = evaluate(first, sample("ok", 2000));
    expect(second.change).toBeUndefined();
    expect(second.state).toBe(first);
    expect(evaluate(second.state, sample("ok", 3000)).state).toBe(first);
    // A blip under the threshold is remembered as a candidate: a new state, then the old status again.
    const blip = evaluate(first, sample("critical", 4000), { consecutive: 3 }).state;
    expect(blip).not.toBe(first);
    expect(blip).toMatchObject({ status: "ok", candidate: { status: "critical", count: 1 } });
    expect(evaluate(blip, sample("ok", 5000), { consecutive: 3 }).state).toEqual({
      status: "ok",
      since: 1000,
      recent: [],
    });
  });

  it("ignores a blip shorter than the consecutive threshold and dates a change from its first sample", () => {
    const { changes } = run(["ok", "ok", "ok", "critical", "ok", "critical", "critical", "critical"], 3);
    expect(changes).toHaveLength(2);
    expect(changes[1]).toMatchObject({ from: "ok", to: "critical", since: 5000, previousSince: 0 });
    expect(changes[1]?.result.timestamp).toBe(7000);
  });

  it("property: with consecutive = 1 the status is always the last sample's", () => {
    fc.assert(
      fc.property(fc.array(statusArb, { minLength: 1, maxLength: 60 }), (history) => {
        expect(run(history, 1).state.status).toBe(history.at(-1));
      }),
    );
  });

  it("property: matches a reference model (N in a row of the new status; any failures in a row to open)", () => {
    fc.assert(
      fc.property(historyArb, consecutiveArb, (history, n) => {
        const { states } = run(history, n);
        let settled: string = "pending";
        history.forEach((status, i) => {
          const window = history.slice(Math.max(0, i - n + 1), i + 1);
          const opening = settled === "ok" || settled === "pending";
          const agreed =
            window.length === n &&
            (opening && status !== "ok"
              ? window.every((s) => s !== "ok")
              : window.every((s) => s === status));
          if (status !== settled && agreed) settled = status;
          expect(states[i]!.status).toBe(settled);
        });
      }),
    );
  });

  it("property: transitions chain (each from is the previous to) and never repeat a status", () => {
    fc.assert(
      fc.property(historyArb, consecutiveArb, (history, n) => {
        const { changes } = run(history, n);
        let previous: string = "pending";
        for (const change of changes) {
          expect(change.from).toBe(previous);
          expect(change.to).not.toBe(change.from);
          previous = change.to;
        }
      }),
    );
  });

  it("property: evaluation is deterministic and does not mutate its input", () => {
    fc.assert(
      fc.property(historyArb, consecutiveArb, (history, n) => {
        const frozen = structuredClone(run(history, n).state);
        const again = structuredClone(frozen);
        const result = sample("critical", 999_999);
        expect(evaluate(frozen, result, { consecutive: n })).toEqual(
          evaluate(again, result, { consecutive: n }),
        );
        expect(frozen).toEqual(again);
      }),
    );
  });
});

describe("evaluate with an alert policy", () => {
  const feed = (statuses: readonly SampleStatus[], policy: Parameters<typeof evaluate>[2], step = 1000) => {
    let state: MonitorState = initialMonitorState;
    const changes: StatusChange[] = [];
    statuses.forEach((status, i) => {
      const next = evaluate(state, sample(status, i * step), policy);
      state = next.state;
      if (next.change) changes.push(next.change);
    });
    return { state, changes: changes.map((c) => `${c.from}->${c.to}${c.flapping ? " (flapping)" : ""}`) };
  };

  it("opens on x failures among the last y samples, dated from the first counted failure", () => {
    const policy = { open: { failures: 3, samples: 5 } };
    expect(feed(["ok", "critical", "ok", "critical", "ok"], policy).changes).toEqual(["pending->ok"]);
    const { changes, state } = feed(["ok", "critical", "ok", "critical", "ok", "warning"], policy);
    expect(changes).toEqual(["pending->ok", "ok->warning"]);
    expect(state.since).toBe(1000);
    // The oldest failure slid out of the window: two of the last five are not enough.
    expect(feed(["ok", "critical", "ok", "ok", "ok", "ok", "critical"], policy).changes).toEqual([
      "pending->ok",
    ]);
  });

  it("opens on x failures within a time window", () => {
    const policy = { open: { failures: 2, withinMs: 60_000 } };
    expect(feed(["ok", "critical", "ok", "critical"], policy, 40_000).changes).toEqual(["pending->ok"]);
    expect(feed(["ok", "critical", "ok", "critical"], policy, 20_000).changes).toEqual([
      "pending->ok",
      "ok->critical",
    ]);
  });

  it("resolves only after `resolve` ok samples in a row (hysteresis)", () => {
    const policy = { resolve: 3 };
    expect(feed(["critical", "ok", "ok", "critical", "ok", "ok"], policy).changes).toEqual([
      "pending->critical",
    ]);
    expect(feed(["critical", "ok", "ok", "ok"], policy).changes).toEqual([
      "pending->critical",
      "critical->ok",
    ]);
  });

  it("counts unknown as the policy says, or ignores it", () => {
    expect(feed(["ok", "unknown"], { unknown: "critical" }).changes).toEqual(["pending->ok", "ok->critical"]);
    expect(feed(["ok", "unknown", "unknown"], { unknown: "ok" }).changes).toEqual(["pending->ok"]);
    // Ignored samples neither break nor extend a streak.
    expect(
      feed(["ok", "ok", "critical", "unknown", "critical"], { unknown: "ignore", consecutive: 2 }).changes,
    ).toEqual(["pending->ok", "ok->critical"]);
  });

  it("announces flapping once, stays quiet about it, and settles when changes calm down", () => {
    const policy = { flapping: { samples: 6, high: 0.6, low: 0.2 } };
    const flappy: SampleStatus[] = ["ok", "critical", "ok", "critical", "ok", "critical", "ok", "critical"];
    const calm: SampleStatus[] = ["ok", "ok", "ok", "ok", "ok", "ok"];
    const { changes, state } = feed([...flappy, ...calm], policy);
    expect(changes.slice(0, 6)).toEqual([
      "pending->ok",
      "ok->critical",
      "critical->ok",
      "ok->critical",
      "critical->ok",
      "ok->critical (flapping)",
    ]);
    expect(changes.at(-1)).toBe("ok->ok");
    expect(state).toMatchObject({ status: "ok" });
    expect(state.flapping).toBeUndefined();
  });
});
