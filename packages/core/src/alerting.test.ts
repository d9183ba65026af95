import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AlertPolicy, type AlertState, decideAlerts } from "./alerting.js";
import { type EvaluationPolicy, evaluate, initialMonitorState, type MonitorState } from "./evaluation.js";
import { type SampleStatus, sampleStatuses } from "./status.js";
import type { NotificationKind } from "./transition.js";

type Step =
  | { type: "sample"; status: SampleStatus; gapMs: number }
  | { type: "tick"; gapMs: number }
  | { type: "ack" }
  | { type: "suppress"; on: boolean };

interface Sent {
  handler: number;
  kind: NotificationKind;
  to: string;
  incident: string;
  at: number;
  suppressed: boolean;
  /** Whether the incident had been acknowledged before this notification was decided. */
  acked: boolean;
}

/** Drives evaluate + decideAlerts the way the server does: samples, ticks, acks, suppression. */
function drive(steps: readonly Step[], evaluation: EvaluationPolicy, policy: AlertPolicy) {
  let monitor: MonitorState = initialMonitorState;
  let alerts: AlertState = { status: "pending" };
  let suppressed = false;
  let now = 0;
  let seq = 0;
  const sent: Sent[] = [];
  const record = (decision: ReturnType<typeof decideAlerts>, key: string | undefined, to: string) => {
    const acked = alerts.incident?.acknowledged !== undefined;
    for (const handler of decision.notify) {
      sent.push({ handler, kind: decision.kind, to, incident: key ?? "?", at: now, suppressed, acked });
    }
  };
  for (const step of steps) {
    if (step.type === "suppress") {
      suppressed = step.on;
      continue;
    }
    if (step.type === "ack") {
      alerts = decideAlerts(alerts, { type: "ack", by: "alice", at: now }, policy).state;
      continue;
    }
    now += step.gapMs;
    if (step.type === "tick") {
      const key = alerts.incident?.key;
      const decision = decideAlerts(
        alerts,
        { type: "tick", at: now },
        policy,
        suppressed ? "silence" : undefined,
      );
      record(decision, key, alerts.status);
      alerts = decision.state;
      continue;
    }
    const next = evaluate(
      monitor,
      { status: step.status, message: "", durationMs: 1, timestamp: now },
      evaluation,
    );
    monitor = next.state;
    if (!next.change) continue;
    const key = alerts.incident?.key ?? `incident-${++seq}`;
    const decision = decideAlerts(
      alerts,
      {
        type: "change",
        to: next.change.to,
        since: next.change.since,
        flapping: next.change.flapping,
        at: now,
        key,
      },
      policy,
      suppressed ? "maintenance" : undefined,
    );
    record(decision, key, next.change.to);
    alerts = decision.state;
  }
  return { sent, alerts, monitor };
}

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant("sample" as const),
      status: fc.constantFrom(...sampleStatuses),
      gapMs: fc.integer({ min: 1_000, max: 120_000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant("tick" as const), gapMs: fc.integer({ min: 1, max: 900_000 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ type: "ack" as const }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("suppress" as const), on: fc.boolean() }) },
);

const routeArb = fc.option(
  fc.record(
    { to: fc.subarray(["warning", "critical", "unknown"] as SampleStatus[], { minLength: 1 }) },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

const policyArb: fc.Arbitrary<AlertPolicy> = fc.record({
  handlers: fc.array(
    fc.record({
      on: routeArb,
      afterMs: fc.option(fc.integer({ min: 1_000, max: 1_800_000 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  renotifyMs: fc.option(fc.integer({ min: 60_000, max: 3_600_000 }), { nil: undefined }),
});

const evaluationArb: fc.Arbitrary<EvaluationPolicy> = fc.record({
  consecutive: fc.integer({ min: 1, max: 3 }),
  resolve: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  unknown: fc.constantFrom("unknown", "critical", "ignore", "ok" as const),
  open: fc.option(fc.constant({ failures: 2, samples: 4 }), { nil: undefined }),
  flapping: fc.option(fc.constant({ samples: 6, high: 0.6, low: 0.3 }), { nil: undefined }),
});

const stepsArb = fc.array(stepArb, { maxLength: 120 });
/** Ends every history healthy and calm, so every incident must have closed. */
const recovery: Step[] = [
  { type: "suppress", on: true },
  ...Array.from({ length: 12 }, () => ({ type: "sample" as const, status: "ok" as const, gapMs: 1_000 })),
];

describe("decideAlerts (properties, with evaluate in front as in the server)", () => {
  it("sends nothing without an incident, and an incident only opens on a committed failing or flapping change", () => {
    fc.assert(
      fc.property(stepsArb, evaluationArb, policyArb, (steps, evaluation, policy) => {
        const { sent } = drive(steps, evaluation, policy);
        for (const s of sent) expect(s.incident).not.toBe("?");
      }),
    );
  });

  it("every handler alerted of an incident gets exactly one resolve; the others none (suppression or not)", () => {
    fc.assert(
      fc.property(stepsArb, evaluationArb, policyArb, (steps, evaluation, policy) => {
        const { sent, alerts } = drive([...steps, ...recovery], evaluation, policy);
        expect(alerts.incident).toBeUndefined();
        const byIncident = new Map<string, Sent[]>();
        for (const s of sent) byIncident.set(s.incident, [...(byIncident.get(s.incident) ?? []), s]);
        for (const notes of byIncident.values()) {
          policy.handlers.forEach((_, handler) => {
            const mine = notes.filter((n) => n.handler === handler);
            const resolves = mine.filter((n) => n.to === "ok" && n.kind === "transition");
            const alerts = mine.filter((n) => !(n.to === "ok" && n.kind === "transition"));
            expect(resolves.length).toBe(alerts.length > 0 ? 1 : 0);
            // The resolve is the last thing a handler hears of an incident, and never its first.
            if (resolves.length > 0) expect(mine.at(-1)).toBe(resolves[0]);
          });
        }
      }),
    );
  });

  it("while suppressed, only resolves go out; acknowledged incidents get no reminders or escalations", () => {
    fc.assert(
      fc.property(stepsArb, evaluationArb, policyArb, (steps, evaluation, policy) => {
        const { sent } = drive(steps, evaluation, policy);
        for (const s of sent) {
          if (s.suppressed) expect(s.to === "ok" && s.kind === "transition").toBe(true);
          if (s.acked) expect(["transition", "flapping"]).toContain(s.kind);
        }
      }),
    );
  });
});

describe("decideAlerts (examples)", () => {
  const policy: AlertPolicy = {
    handlers: [{ on: { to: ["warning"] } }, { on: { to: ["critical"] } }, { afterMs: 600_000 }],
    renotifyMs: 1_800_000,
  };
  const change = (to: SampleStatus, at: number, flapping = false) =>
    ({ type: "change", to, since: at, flapping, at, key: "i1" }) as const;

  it("routes each status to its own handlers and resolves to all that heard", () => {
    let state: AlertState = { status: "ok" };
    const warn = decideAlerts(state, change("warning", 0), policy);
    expect(warn.notify).toEqual([0]);
    state = warn.state;
    const crit = decideAlerts(state, change("critical", 1_000), policy);
    expect(crit.notify).toEqual([1]);
    state = crit.state;
    const ok = decideAlerts(state, change("ok", 2_000), policy);
    expect(ok.notify).toEqual([0, 1]);
    expect(ok.state.incident).toBeUndefined();
  });

  it("escalates after the stage's delay unless acknowledged, and reminds on the re-notify interval", () => {
    let state = decideAlerts({ status: "ok" }, change("critical", 0), policy).state;
    expect(decideAlerts(state, { type: "tick", at: 599_999 }, policy).notify).toEqual([]);
    const escalation = decideAlerts(state, { type: "tick", at: 600_000 }, policy);
    expect(escalation).toMatchObject({ notify: [2], kind: "escalation" });
    state = escalation.state;
    const reminder = decideAlerts(state, { type: "tick", at: 2_400_000 }, policy);
    expect(reminder).toMatchObject({ notify: [1, 2], kind: "reminder" });
    const acked = decideAlerts(state, { type: "ack", by: "alice", at: 700_000 }, policy).state;
    expect(decideAlerts(acked, { type: "tick", at: 9_000_000 }, policy).notify).toEqual([]);
    expect(decideAlerts(acked, change("ok", 9_000_000), policy).notify).toEqual([1, 2]);
  });

  it("holds alerts back while suppressed, sends them once it ends, and never holds back a resolve", () => {
    const held = decideAlerts({ status: "ok" }, change("critical", 0), policy, 'maintenance window "deploy"');
    expect(held).toMatchObject({ notify: [], suppressed: 'maintenance window "deploy"' });
    expect(decideAlerts(held.state, { type: "tick", at: 1_000 }, policy, "still").notify).toEqual([]);
    const after = decideAlerts(held.state, { type: "tick", at: 2_000 }, policy);
    expect(after).toMatchObject({ notify: [1], kind: "escalation" });
    expect(decideAlerts(after.state, change("ok", 3_000), policy, "silenced").notify).toEqual([1]);
    // Recovered while still suppressed and never alerted: nobody hears anything.
    expect(decideAlerts(held.state, change("ok", 3_000), policy, "silenced").notify).toEqual([]);
  });

  it("announces flapping once and says how it settles", () => {
    const start = decideAlerts({ status: "ok" }, change("critical", 0, true), policy);
    expect(start).toMatchObject({ kind: "flapping", notify: [0, 1] });
    const during = decideAlerts(start.state, change("ok", 1_000, true), policy);
    expect(during.notify).toEqual([]);
    expect(decideAlerts(during.state, { type: "tick", at: 9_000_000 }, policy).notify).toEqual([]);
    const settled = decideAlerts(during.state, change("ok", 2_000), policy);
    expect(settled).toMatchObject({ kind: "transition", notify: [0, 1] });
    expect(settled.state.incident).toBeUndefined();
  });
});
