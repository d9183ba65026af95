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

  it("property: a change happens exactly when the last N samples agree on a status other than the settled one", () => {
    fc.assert(
      fc.property(historyArb, consecutiveArb, (history, n) => {
        const { states, changes } = run(history, n);
        let changeIndex = 0;
        history.forEach((status, i) => {
          const before = i === 0 ? "pending" : states[i - 1]!.status;
          const window = history.slice(Math.max(0, i - n + 1), i + 1);
          const agreed = window.length === n && window.every((s) => s === status);
          // The status may have already changed inside the window; a change needs a full fresh run.
          if (states[i]!.status !== before) {
            expect(agreed).toBe(true);
            expect(changes[changeIndex++]).toMatchObject({ from: before, to: status });
          }
        });
        expect(changeIndex).toBe(changes.length);
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

  it("property: the settled status is one that at least N consecutive samples reported", () => {
    fc.assert(
      fc.property(historyArb, consecutiveArb, (history, n) => {
        const { state } = run(history, n);
        if (state.status === "pending") return;
        const runs = history.map((_, i) => history.slice(i, i + n));
        expect(runs.some((w) => w.length === n && w.every((s) => s === state.status))).toBe(true);
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
