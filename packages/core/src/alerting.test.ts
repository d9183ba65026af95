import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AlertPolicy, type AlertState, decideAlerts } from "./alerting.js";
import { type EvaluationPolicy, evaluate, initialMonitorState, type MonitorState } from "./evaluation.js";
import { compareStatus, isFailing, type SampleStatus, sampleStatuses } from "./status.js";
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

interface Change {
  to: SampleStatus;
  /** Flapping before or after the change. */
  flapping: boolean;
  suppressed: boolean;
  /** The status the acknowledgement in force before the change covered. */
  acked: SampleStatus | undefined;
  /** What the notification reads as coming from. */
  from: string;
  /** Whether it closed an incident. */
  resolve: boolean;
  /** The incident's notified handlers after it. */
  notified: number[];
}

/** Drives evaluate + decideAlerts the way the server does: samples, ticks, acks, suppression. */
function drive(steps: readonly Step[], evaluation: EvaluationPolicy, policy: AlertPolicy) {
  let monitor: MonitorState = initialMonitorState;
  let alerts: AlertState = { status: "pending" };
  let suppressed = false;
  let now = 0;
  let seq = 0;
  const sent: Sent[] = [];
  const changes: Change[] = [];
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
    changes.push({
      to: next.change.to,
      flapping: next.change.flapping || alerts.flapping === true,
      suppressed,
      acked: alerts.incident?.acknowledged?.status,
      from: decision.from,
      resolve: alerts.incident !== undefined && decision.state.incident === undefined,
      notified: decision.state.incident?.notified ?? [],
    });
    alerts = decision.state;
  }
  return { sent, alerts, monitor, changes };
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

describe("decideAlerts (properties of acknowledgements and resolves)", () => {
  it("an acknowledgement never hides a worse status: its handlers have heard once the change is sent", () => {
    fc.assert(
      fc.property(stepsArb, evaluationArb, policyArb, (steps, evaluation, policy) => {
        const { changes } = drive(steps, evaluation, policy);
        for (const c of changes) {
          if (c.flapping || c.suppressed || !isFailing(c.to)) continue;
          if (c.acked !== undefined && compareStatus(c.to, c.acked) <= 0) continue;
          policy.handlers.forEach((handler, index) => {
            if (handler.afterMs !== undefined || (handler.on?.to && !handler.on.to.includes(c.to))) return;
            expect(c.notified).toContain(index);
          });
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it("a resolve never reads as coming from ok", () => {
    fc.assert(
      fc.property(stepsArb, evaluationArb, policyArb, (steps, evaluation, policy) => {
        const { changes } = drive([...steps, ...recovery], evaluation, policy);
        for (const c of changes) if (c.resolve) expect(isFailing(c.from as SampleStatus)).toBe(true);
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

describe("decideAlerts: an acknowledgement never hides a worse status", () => {
  // notify: { warning: [team], critical: [team, pager] }, escalate after 15m to the manager, renotify 1h.
  const team = 0;
  const pager = 1;
  const manager = 2;
  const policy: AlertPolicy = {
    handlers: [{ on: { to: ["warning", "critical"] } }, { on: { to: ["critical"] } }, { afterMs: 900_000 }],
    renotifyMs: 3_600_000,
  };
  const change = (to: SampleStatus, at: number, flapping = false) =>
    ({ type: "change", to, since: at, flapping, at, key: "i1" }) as const;
  const ack = (at: number, by = "alice") => ({ type: "ack", by, at }) as const;
  const tick = (at: number) => ({ type: "tick", at }) as const;

  /** Runs events in order, returning what each one sent (`kind from->to` per handler). */
  function run(
    events: readonly Parameters<typeof decideAlerts>[1][],
    suppressedAt: (i: number) => string | undefined = () => undefined,
  ) {
    let state: AlertState = { status: "ok" };
    const heard = new Map<number, string[]>();
    events.forEach((event, i) => {
      const decision = decideAlerts(state, event, policy, suppressedAt(i));
      const to = event.type === "change" ? event.to : state.status;
      for (const h of decision.notify)
        heard.set(h, [...(heard.get(h) ?? []), `${decision.kind} ${decision.from}->${to}`]);
      state = decision.state;
    });
    return { state, heard: (h: number) => heard.get(h) ?? [] };
  }

  it("warning → ack → critical → ok: the pager hears the critical and its resolve", () => {
    const { heard, state } = run([
      change("warning", 0),
      ack(60_000),
      change("critical", 120_000),
      change("ok", 180_000),
    ]);
    expect(heard(pager)).toEqual(["transition warning->critical", "transition critical->ok"]);
    expect(heard(team)).toEqual([
      "transition ok->warning",
      "transition warning->critical",
      "transition critical->ok",
    ]);
    expect(heard(manager)).toEqual([]);
    expect(state.incident).toBeUndefined();
  });

  it("the rise ends the acknowledgement: reminders resume until the critical is acknowledged", () => {
    const { state } = run([change("warning", 0), ack(60_000), change("critical", 120_000)]);
    expect(state.incident?.acknowledged).toBeUndefined();
    expect(state.incident?.worst).toBe("critical");
    const escalation = decideAlerts(state, tick(120_000 + 900_000), policy);
    expect(escalation).toMatchObject({ kind: "escalation", notify: [manager] });
    const reminder = decideAlerts(escalation.state, tick(120_000 + 900_000 + 3_600_000), policy);
    expect(reminder).toMatchObject({ kind: "reminder", notify: [team, pager, manager] });
    const acked = decideAlerts(state, ack(200_000, "bob"), policy).state;
    expect(acked.incident?.acknowledged).toEqual({ by: "bob", at: 200_000, status: "critical" });
    expect(decideAlerts(acked, tick(9_000_000), policy).notify).toEqual([]);
  });

  it("an ack of the critical stops the pager's reminders and escalation, never the resolve", () => {
    const { heard } = run([
      change("critical", 0),
      ack(60_000),
      tick(4_000_000),
      tick(8_000_000),
      change("ok", 9_000_000),
    ]);
    expect(heard(pager)).toEqual(["transition ok->critical", "transition critical->ok"]);
    expect(heard(manager)).toEqual([]);
  });

  it("a fall in severity after an ack reaches only those who heard, and a rise back to what was acked pages no one anew", () => {
    const withWarningOnly: AlertPolicy = { handlers: [...policy.handlers, { on: { to: ["warning"] } }] };
    let state = decideAlerts({ status: "ok" }, change("critical", 0), withWarningOnly).state;
    state = decideAlerts(state, ack(1_000), withWarningOnly).state;
    const fall = decideAlerts(state, change("warning", 2_000), withWarningOnly);
    expect(fall.notify).toEqual([team]);
    expect(fall.state.incident?.acknowledged?.by).toBe("alice");
    const back = decideAlerts(fall.state, change("critical", 3_000), withWarningOnly);
    expect(back.notify).toEqual([team, pager]);
    expect(back.state.incident?.acknowledged?.by).toBe("alice");
  });

  it("escalation stages count again from the rise, not from the incident's opening", () => {
    const { state, heard } = run([
      change("warning", 0),
      ack(60_000),
      tick(1_200_000),
      change("critical", 1_800_000),
    ]);
    expect(heard(manager)).toEqual([]);
    expect(decideAlerts(state, tick(1_800_000 + 899_999), policy).notify).toEqual([]);
    expect(decideAlerts(state, tick(1_800_000 + 900_000), policy)).toMatchObject({
      kind: "escalation",
      notify: [manager],
    });
    // Acknowledging the critical in time stops the stage again.
    const acked = decideAlerts(state, ack(2_000_000), policy).state;
    expect(decideAlerts(acked, tick(1_800_000 + 900_000), policy).notify).toEqual([]);
  });

  it("an ack while suppressed drops what was held back at or below it; a rise after it is sent once the suppression ends", () => {
    const silenced = (from: number, to: number) => (i: number) =>
      i >= from && i < to ? "silence" : undefined;
    // Held back, acknowledged, then the silence ends: nobody hears of it, so nobody gets a resolve.
    const quiet = run([change("critical", 0), ack(1_000), tick(2_000), change("ok", 3_000)], silenced(0, 2));
    expect([quiet.heard(team), quiet.heard(pager)]).toEqual([[], []]);
    // The warning was acknowledged; the critical comes while silenced and is sent when it ends.
    const rise = run(
      [
        change("warning", 0),
        ack(1_000),
        change("critical", 2_000),
        tick(3_000),
        tick(4_000),
        change("ok", 5_000),
      ],
      silenced(2, 4),
    );
    expect(rise.heard(pager)).toEqual(["escalation critical->critical", "transition critical->ok"]);
    expect(rise.heard(team)).toEqual(["transition ok->warning", "transition critical->ok"]);
  });

  it("an acknowledged incident that starts flapping tells only those who heard", () => {
    const late = change("critical", 1_200_000, true);
    const acked = run([change("warning", 0), change("critical", 1_000), ack(2_000), late]);
    expect(acked.heard(manager)).toEqual([]);
    expect(acked.heard(pager)).toEqual(["transition warning->critical", "flapping critical->critical"]);
    // Unacknowledged, the stage whose time came hears the announcement too.
    const unacked = run([change("warning", 0), change("critical", 1_000), late]);
    expect(unacked.heard(manager)).toEqual(["flapping critical->critical"]);
  });

  it("flapping into a worse status ends the ack, and the settled status pages its handlers", () => {
    const { heard } = run([
      change("warning", 0),
      ack(1_000),
      change("critical", 2_000, true),
      change("ok", 3_000, true),
      change("critical", 4_000, true),
      change("critical", 5_000),
      change("ok", 6_000),
    ]);
    // The flapping announcement reached the pager: it went past what was acknowledged.
    expect(heard(pager)).toEqual([
      "flapping warning->critical",
      "transition critical->critical",
      "transition critical->ok",
    ]);
  });

  it("an ack during flapping covers the flapping; a worse status than it covers ends it", () => {
    const covered = run([
      change("warning", 0),
      change("warning", 1_000, true),
      ack(2_000),
      change("ok", 3_000, true),
    ]);
    expect(covered.state.incident?.acknowledged?.status).toBe("warning");
    const { heard, state } = run([
      change("warning", 0),
      change("warning", 1_000, true),
      ack(2_000),
      change("critical", 3_000, true),
      change("critical", 4_000),
    ]);
    expect(state.incident?.acknowledged).toBeUndefined();
    expect(heard(team)).toEqual([
      "transition ok->warning",
      "flapping warning->warning",
      "transition critical->critical",
    ]);
    // The announcement reached every handler that hears failures, before the ack.
    expect(heard(pager)).toEqual(["flapping warning->warning", "transition critical->critical"]);
  });

  it("a second acknowledgement changes nothing", () => {
    const { state } = run([change("critical", 0), ack(1_000, "alice"), ack(2_000, "bob")]);
    expect(state.incident?.acknowledged).toEqual({ by: "alice", at: 1_000, status: "critical" });
  });

  it("an ack of the warning, when the team also hears the critical: both hear the critical, and the team's reminders resume", () => {
    const { state, heard } = run([change("warning", 0), ack(1_000), change("critical", 2_000)]);
    expect(heard(team).at(-1)).toBe("transition warning->critical");
    expect(heard(pager)).toEqual(["transition warning->critical"]);
    const reminder = decideAlerts(state, tick(2_000 + 3_600_000), {
      ...policy,
      handlers: policy.handlers.slice(0, 2),
    });
    expect(reminder).toMatchObject({ kind: "reminder", notify: [team, pager] });
  });
});

describe("decideAlerts: a resolve reads as the recovery of the incident", () => {
  const policy: AlertPolicy = { handlers: [{}] };
  const change = (to: SampleStatus, at: number, flapping = false) =>
    ({ type: "change", to, since: at, flapping, at, key: "i1" }) as const;

  it("from the incident's worst status, since the incident opened", () => {
    let state: AlertState = { status: "ok" };
    for (const [to, at] of [
      ["warning", 1_000],
      ["critical", 2_000],
      ["warning", 3_000],
    ] as const)
      state = decideAlerts(state, change(to, at), policy).state;
    const resolve = decideAlerts(state, change("ok", 10_000), policy);
    expect(resolve).toMatchObject({
      kind: "transition",
      from: "critical",
      previousSince: 1_000,
      notify: [0],
    });
  });

  it("after flapping that settled on ok, never ok -> ok", () => {
    let state = decideAlerts({ status: "ok" }, change("critical", 1_000, true), policy).state;
    state = decideAlerts(state, change("ok", 2_000, true), policy).state;
    expect(state.status).toBe("ok");
    const resolve = decideAlerts(state, change("ok", 9_000), policy);
    expect(resolve).toMatchObject({ from: "critical", previousSince: 1_000, notify: [0] });
  });

  it("when the incident ended while suppressed", () => {
    let state = decideAlerts({ status: "ok" }, change("critical", 1_000), policy).state;
    state = decideAlerts(state, change("warning", 2_000), policy, "silence").state;
    expect(decideAlerts(state, change("ok", 5_000), policy, "silence")).toMatchObject({
      from: "critical",
      previousSince: 1_000,
      notify: [0],
    });
  });

  it("when the monitor is removed (close)", () => {
    const state = decideAlerts({ status: "ok" }, change("warning", 1_000), policy).state;
    const closed = decideAlerts(state, { type: "close", at: 7_000 }, policy);
    expect(closed).toMatchObject({ kind: "transition", from: "warning", previousSince: 1_000, notify: [0] });
    expect(closed.state.incident).toBeUndefined();
    expect(decideAlerts(closed.state, { type: "close", at: 8_000 }, policy).notify).toEqual([]);
  });

  it("as unknown when the incident only ever flapped around ok", () => {
    let state = decideAlerts({ status: "ok" }, change("ok", 1_000, true), policy).state;
    expect(state.incident?.worst).toBeUndefined();
    state = decideAlerts(state, change("ok", 2_000), policy).state;
    expect(state.incident).toBeUndefined();
    const again = decideAlerts({ status: "ok" }, change("ok", 1_000, true), policy).state;
    expect(decideAlerts(again, change("ok", 2_000), policy).from).toBe("unknown");
  });
});
