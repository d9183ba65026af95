import { describe, expect, it } from "vitest";
import { definition, put, transition } from "../__tests__/fixtures.js";
import type { Command } from "./commands.js";
import { StateMachine, transitionsKeptPerMonitor } from "./stateMachine.js";

function applyAll(machine: StateMachine, commands: Command[]) {
  return commands.map((command, i) => machine.apply(command, i + 1));
}

describe("StateMachine", () => {
  it("stores modules with a growing version and starts their monitors pending", () => {
    const machine = new StateMachine();
    applyAll(machine, [{ type: "cluster.init", clusterId: "c1", at: 0 }, put()]);
    expect(machine.module("User Service")?.version).toBe(2);
    expect(machine.monitor("User Service", "Health")?.status).toBe("pending");
  });

  it("records transitions with deliveries for each handler, but not for a first settle on ok", () => {
    const machine = new StateMachine();
    const [, , settle, failing] = applyAll(machine, [
      { type: "cluster.init", clusterId: "c1", at: 0 },
      put(),
      transition(2, "pending", "ok"),
      transition(2, "ok", "critical"),
    ]);
    expect(settle).toMatchObject({ ok: true, deliveries: [] });
    expect(failing).toMatchObject({
      ok: true,
      transition: { id: "c1-4", from: "ok", to: "critical", tags: ["team8"] },
    });
    expect(machine.pendingDeliveries().map((d) => d.id)).toEqual(["c1-4-0"]);
  });

  it("refuses a transition from a stale module version or from a status the monitor is not in", () => {
    const machine = new StateMachine();
    applyAll(machine, [put(), put(definition(), 2)]);
    expect(machine.apply(transition(1, "pending", "critical"), 3)).toMatchObject({ ok: false });
    expect(machine.apply(transition(2, "ok", "critical"), 4)).toMatchObject({
      ok: false,
      reason: "monitor is pending, not ok",
    });
    expect(machine.apply(transition(2, "pending", "critical"), 5)).toMatchObject({ ok: true });
    expect(machine.apply(transition(2, "pending", "critical"), 6)).toMatchObject({ ok: false });
  });

  it("keeps the status of monitors that survive a re-push and forgets removed ones", () => {
    const machine = new StateMachine();
    applyAll(machine, [put(), transition(1, "pending", "critical")]);
    machine.apply(put(definition("User Service", ["Health", "New"])), 3);
    expect(machine.monitor("User Service", "Health")?.status).toBe("critical");
    expect(machine.monitor("User Service", "Latency")).toBeUndefined();
    expect(machine.monitor("User Service", "New")?.status).toBe("pending");
  });

  it("records delivery attempts in order, takes a repeated record as one, and refuses older ones", () => {
    const machine = new StateMachine();
    applyAll(machine, [put(), transition(1, "pending", "critical")]);
    const id = machine.pendingDeliveries()[0]!.id;
    const attempt = (n: number, outcome: "delivered" | "retrying" | "failed", index: number) =>
      machine.apply(
        {
          type: "delivery.attempt",
          id,
          attempt: n,
          outcome,
          error: outcome === "delivered" ? undefined : "HTTP 503",
          nextAttemptAt: 50,
          at: 10,
        },
        index,
      );
    expect(attempt(1, "retrying", 3)).toMatchObject({ ok: true });
    // The owner proposes a record again when it could not confirm the first commit: a no-op.
    expect(attempt(1, "retrying", 4)).toEqual({ ok: true });
    expect(attempt(2, "delivered", 5)).toMatchObject({ ok: true });
    expect(attempt(2, "delivered", 6)).toEqual({ ok: true });
    expect(attempt(1, "retrying", 7)).toMatchObject({ ok: false });
    expect(attempt(3, "retrying", 8)).toMatchObject({ ok: false });
    expect(machine.deliveries()[0]).toMatchObject({
      status: "delivered",
      attempts: 2,
      deliveredAt: 10,
      lastError: undefined,
    });
    expect(machine.pendingDeliveries()).toEqual([]);
  });

  it("keeps a bounded history, but never drops a transition whose delivery is pending", () => {
    const machine = new StateMachine();
    machine.apply(put(), 1);
    let index = 2;
    let status: "ok" | "critical" = "critical";
    machine.apply(transition(1, "pending", "critical"), index++);
    const firstDelivery = machine.pendingDeliveries()[0]!.id;
    for (let i = 0; i < transitionsKeptPerMonitor + 20; i++) {
      const next: "ok" | "critical" = status === "ok" ? "critical" : "ok";
      const applied = machine.apply(transition(1, status, next), index++);
      for (const d of (applied.ok && applied.deliveries) || []) {
        machine.apply(
          { type: "delivery.attempt", id: d.id, attempt: 1, outcome: "delivered", at: 5 },
          index++,
        );
      }
      status = next;
    }
    const kept = machine.transitionsOf("User Service", "Health");
    expect(kept).toHaveLength(transitionsKeptPerMonitor + 1);
    expect(machine.pendingDeliveries().some((d) => d.id === firstDelivery)).toBe(true);
    expect(kept[0]?.id).toBe("local-2");
  });

  it("rejects malformed commands without changing anything", () => {
    const machine = new StateMachine();
    machine.apply(put(), 1);
    const before = machine.snapshot();
    expect(machine.apply({ type: "module.put", name: 42 }, 2)).toMatchObject({ ok: false });
    expect(machine.apply("garbage", 3)).toMatchObject({ ok: false });
    expect(machine.snapshot()).toEqual(before);
  });

  it("restores from a snapshot to the same state, and is deterministic", () => {
    const commands: Command[] = [
      { type: "cluster.init", clusterId: "c1", at: 0 },
      put(),
      transition(2, "pending", "critical"),
      transition(2, "critical", "ok"),
      { type: "module.delete", name: "Other", at: 3 },
    ];
    const a = new StateMachine();
    const b = new StateMachine();
    applyAll(a, commands);
    applyAll(b, commands);
    expect(a.snapshot()).toEqual(b.snapshot());
    const restored = new StateMachine();
    restored.restore(a.snapshot());
    expect(restored.snapshot()).toEqual(a.snapshot());
    expect(restored.pendingDeliveries()).toEqual(a.pendingDeliveries());
    expect(() => restored.restore(new TextEncoder().encode("{nope"))).toThrowError(/not valid JSON/);
  });
});

describe("StateMachine incidents", () => {
  const withHandlers = (handlers: object[], renotifyMs?: number) => {
    const def = definition("User Service", ["Health"]);
    def.monitors[0]!.handlers = handlers as never;
    if (renotifyMs !== undefined) def.monitors[0]!.renotifyMs = renotifyMs;
    return def;
  };
  const slack = { plugin: "slack", options: {} };
  const pager = { plugin: "pager", options: {}, on: { to: ["critical"] } };

  it("keeps one incident from the first failure to the recovery, and routes handlers by status", () => {
    const machine = new StateMachine();
    machine.apply(put(withHandlers([slack, pager])), 1);
    const warn = machine.apply(transition(1, "pending", "warning", "Health", 10), 2);
    const crit = machine.apply(transition(1, "warning", "critical", "Health", 20), 3);
    const ok = machine.apply(transition(1, "critical", "ok", "Health", 30), 4);
    const again = machine.apply(transition(1, "ok", "critical", "Health", 40), 5);
    const handlersOf = (r: typeof warn) => (r.ok ? r.deliveries?.map((d) => d.handler.plugin) : []);
    expect(handlersOf(warn)).toEqual(["slack"]);
    expect(handlersOf(crit)).toEqual(["slack", "pager"]);
    // The pager heard of the incident, so it hears of the recovery even though it routes only critical.
    expect(handlersOf(ok)).toEqual(["slack", "pager"]);
    const keys = [warn, crit, ok, again].map((r) => (r.ok ? r.transition?.incident?.key : undefined));
    expect(keys).toEqual(["local-2", "local-2", "local-2", "local-5"]);
    expect(machine.monitor("User Service", "Health")?.incident).toMatchObject({
      key: "local-5",
      openedAt: 40,
    });
  });

  it("carries an open incident across a re-push: moved handlers keep their place, removed ones still get the resolve", () => {
    const machine = new StateMachine();
    machine.apply(put(withHandlers([slack, pager])), 1);
    machine.apply(transition(1, "pending", "critical", "Health", 10), 2);
    // Re-pushed: the pager moved first, slack was replaced by email.
    const email = { plugin: "email", options: {} };
    machine.apply(put(withHandlers([pager, email]), 20), 3);
    expect(machine.monitor("User Service", "Health")?.incident).toMatchObject({
      notified: [0],
      departed: [{ index: 0, handler: slack }],
    });
    const ok = machine.apply(transition(3, "critical", "ok", "Health", 30), 4);
    expect(ok.ok && ok.deliveries?.map((d) => [d.id, d.handler.plugin])).toEqual([
      ["local-4-0", "pager"],
      ["local-4-departed-0", "slack"],
    ]);
  });

  it("closes the incident of a removed monitor or module with a resolve to every handler that heard", () => {
    const machine = new StateMachine();
    machine.apply(put(withHandlers([slack, pager])), 1);
    machine.apply(transition(1, "pending", "warning", "Health", 10), 2);
    machine.apply({ type: "module.delete", name: "User Service", at: 50 }, 3);
    const pending = machine.pendingDeliveries().filter((d) => d.transitionId.startsWith("local-3"));
    expect(pending.map((d) => d.handler.plugin)).toEqual(["slack"]);
    expect(machine.transition(pending[0]!.transitionId)).toMatchObject({
      from: "warning",
      to: "ok",
      kind: "transition",
    });
    // The module is gone but its delivery is still owed: it stays ownable until delivered.
    expect(machine.ownable()).toEqual(["User Service"]);
  });

  it("holds alerts back under a silence, records why, and delivers the resolve anyway", () => {
    const machine = new StateMachine();
    machine.apply(put(withHandlers([slack])), 1);
    machine.apply(transition(1, "pending", "critical", "Health", 10), 2);
    const silence = {
      id: "s1",
      module: "User Service",
      scope: {},
      from: 15,
      until: 1_000,
      by: "alice",
      reason: "deploy",
    };
    expect(machine.apply({ type: "silence.add", silence, at: 15 }, 3)).toMatchObject({ ok: true });
    expect(machine.apply({ type: "silence.add", silence, at: 16 }, 4)).toMatchObject({ ok: false });
    const ok = machine.apply(transition(1, "critical", "ok", "Health", 20), 5);
    expect(ok.ok && ok.deliveries?.map((d) => d.handler.plugin)).toEqual(["slack"]);
    const again = machine.apply(transition(1, "ok", "critical", "Health", 30), 6);
    expect(again).toMatchObject({
      ok: true,
      deliveries: [],
      transition: { suppressed: "silenced by alice until 1970-01-01T00:00:01.000Z: deploy" },
    });
    expect(machine.silences(30).map((s) => s.id)).toEqual(["s1"]);
    expect(machine.apply({ type: "silence.remove", id: "s1", at: 40 }, 7)).toMatchObject({ ok: true });
    expect(machine.silences(41)).toEqual([]);
    // Once the silence ended, a tick sends the alert that was held back.
    const tick = machine.apply(
      { type: "incident.remind", module: "User Service", monitor: "Health", incident: "local-6", at: 45 },
      8,
    );
    expect(tick).toMatchObject({ ok: true, transition: { kind: "escalation", to: "critical" } });
    // Silences survive a snapshot.
    const copy = new StateMachine();
    copy.restore(machine.snapshot());
    expect(copy.silences().map((s) => s.until)).toEqual([40]);
  });

  it("records a change of flapping alone, and refuses a change that changes nothing", () => {
    const machine = new StateMachine();
    machine.apply(put(withHandlers([slack])), 1);
    machine.apply(transition(1, "pending", "critical", "Health", 10), 2);
    const flap = machine.apply({ ...transition(1, "critical", "critical", "Health", 20), flapping: true }, 3);
    expect(flap).toMatchObject({ ok: true, transition: { kind: "flapping", flapping: true } });
    expect(machine.monitor("User Service", "Health")?.flapping).toBe(true);
    expect(
      machine.apply({ ...transition(1, "critical", "critical", "Health", 30), flapping: true }, 4),
    ).toMatchObject({
      ok: false,
    });
  });

  it("reminds only when due, only the handlers that heard of the incident, and never once acknowledged", () => {
    const machine = new StateMachine();
    machine.apply(put(withHandlers([slack, pager], 60_000)), 1);
    machine.apply(transition(1, "pending", "warning", "Health", 1_000), 2);
    const remind = (at: number, index: number) =>
      machine.apply(
        { type: "incident.remind", module: "User Service", monitor: "Health", incident: "local-2", at },
        index,
      );
    expect(remind(30_000, 3)).toMatchObject({ ok: false });
    const reminded = remind(61_000, 4);
    expect(reminded).toMatchObject({
      ok: true,
      transition: { kind: "reminder", from: "warning", to: "warning" },
    });
    expect(reminded.ok && reminded.deliveries?.map((d) => d.handler.plugin)).toEqual(["slack"]);
    expect(remind(100_000, 5)).toMatchObject({ ok: false });
    const ack = {
      type: "incident.ack",
      module: "User Service",
      monitor: "Health",
      by: "alice",
      at: 110_000,
    } as const;
    expect(machine.apply({ ...ack, incident: "other" }, 6)).toMatchObject({ ok: false });
    expect(machine.apply(ack, 7)).toMatchObject({
      ok: true,
      incident: { acknowledged: { by: "alice", at: 110_000 } },
    });
    expect(machine.apply(ack, 8)).toMatchObject({ ok: false, reason: "already acknowledged by alice" });
    expect(remind(500_000, 9)).toMatchObject({ ok: false, reason: "incident local-2 is acknowledged" });
    // The resolve still goes out after an acknowledgement.
    const ok = machine.apply(transition(1, "warning", "ok", "Health", 600_000), 10);
    expect(ok.ok && ok.deliveries?.length).toBe(1);
  });

  it("pages the critical's handlers after an ack of the warning, and resumes reminders until the critical is acked", () => {
    const machine = new StateMachine();
    machine.apply(put(withHandlers([{ ...slack, on: { to: ["warning", "critical"] } }, pager], 60_000)), 1);
    machine.apply(transition(1, "pending", "warning", "Health", 1_000), 2);
    const ack = (by: string, at: number) =>
      ({ type: "incident.ack", module: "User Service", monitor: "Health", by, at }) as const;
    expect(machine.apply(ack("alice", 2_000), 3)).toMatchObject({
      ok: true,
      incident: { acknowledged: { by: "alice", status: "warning" } },
    });
    const crit = machine.apply(transition(1, "warning", "critical", "Health", 3_000), 4);
    expect(crit.ok && crit.deliveries?.map((d) => d.handler.plugin)).toEqual(["slack", "pager"]);
    expect(machine.monitor("User Service", "Health")?.incident?.acknowledged).toBeUndefined();
    const remind = (at: number, index: number) =>
      machine.apply(
        { type: "incident.remind", module: "User Service", monitor: "Health", incident: "local-2", at },
        index,
      );
    const reminded = remind(63_000, 5);
    expect(reminded.ok && reminded.deliveries?.map((d) => d.handler.plugin)).toEqual(["slack", "pager"]);
    expect(machine.apply(ack("bob", 70_000), 6)).toMatchObject({
      ok: true,
      incident: { acknowledged: { by: "bob", status: "critical" } },
    });
    expect(remind(200_000, 7)).toMatchObject({ ok: false });
    const ok = machine.apply(transition(1, "critical", "ok", "Health", 300_000), 8);
    expect(ok.ok && ok.deliveries?.map((d) => d.handler.plugin)).toEqual(["slack", "pager"]);
    expect(ok).toMatchObject({ transition: { from: "critical", to: "ok", previousSince: 1_000 } });
  });

  it("resolves a flapping incident as the recovery from its worst status, also when its monitor is removed", () => {
    const machine = new StateMachine();
    machine.apply(put(withHandlers([slack])), 1);
    machine.apply({ ...transition(1, "pending", "critical", "Health", 10), flapping: true }, 2);
    machine.apply({ ...transition(1, "critical", "ok", "Health", 20), flapping: true }, 3);
    const settled = machine.apply(transition(1, "ok", "ok", "Health", 30), 4);
    expect(settled).toMatchObject({
      ok: true,
      transition: { kind: "transition", from: "critical", to: "ok", previousSince: 10 },
    });
    expect(settled.ok && settled.transition?.incident).toMatchObject({ openedAt: 10, worst: "critical" });
    expect(settled.ok && settled.deliveries?.length).toBe(1);

    // Removed while flapping on ok: the incident still closes, with its resolve.
    machine.apply({ ...transition(1, "ok", "warning", "Health", 40), flapping: true }, 5);
    machine.apply({ ...transition(1, "warning", "ok", "Health", 50), flapping: true }, 6);
    machine.apply(put(definition("User Service", ["Latency"])), 7);
    const closing = machine.pendingDeliveries().filter((d) => d.transitionId.startsWith("local-7"));
    expect(closing.map((d) => d.handler.plugin)).toEqual(["slack"]);
    expect(machine.transition(closing[0]!.transitionId)).toMatchObject({
      from: "warning",
      to: "ok",
      previousSince: 40,
      kind: "transition",
    });
  });

  it("hands back a handler's receipt to later deliveries of the same incident", () => {
    const machine = new StateMachine();
    machine.apply(put(withHandlers([slack])), 1);
    machine.apply(transition(1, "pending", "critical", "Health", 10), 2);
    machine.apply(
      {
        type: "delivery.attempt",
        id: "local-2-0",
        attempt: 1,
        outcome: "delivered",
        receipt: { channel: "C1", ts: "1.2" },
        at: 11,
      },
      3,
    );
    machine.apply(transition(1, "critical", "ok", "Health", 20), 4);
    expect(machine.receiptFor("User Service", "Health", "local-2", 0)).toEqual({ channel: "C1", ts: "1.2" });
    expect(machine.receiptFor("User Service", "Health", "local-2", 1)).toBeUndefined();
  });

  it("fences a module's commands with its owner's token, which only grows", () => {
    const machine = new StateMachine();
    applyAll(machine, [put()]);
    const grant = (node: string, index: number) =>
      machine.apply(
        { type: "ownership.grant", module: "User Service", node, handoff: false, at: index },
        index,
      );
    grant("a", 2);
    expect(machine.grant("User Service")).toMatchObject({ node: "a", token: 2 });
    // No token, or another node's, or an old token of the owner: refused.
    expect(machine.apply(transition(1, "pending", "critical"), 3)).toMatchObject({ ok: false });
    expect(machine.apply({ ...transition(1, "pending", "critical"), owner: "b", token: 2 }, 4)).toMatchObject(
      {
        ok: false,
      },
    );
    expect(machine.apply({ ...transition(1, "pending", "critical"), owner: "a", token: 2 }, 5)).toMatchObject(
      {
        ok: true,
      },
    );
    grant("b", 6);
    expect(machine.grant("User Service")?.token).toBe(6);
    const id = machine.pendingDeliveries()[0]!.id;
    const attempt = (owner: string, token: number, index: number) =>
      machine.apply(
        { type: "delivery.attempt", id, attempt: 1, outcome: "delivered", owner, token, at: index },
        index,
      );
    // The old owner's record of its delivery comes too late: the new owner delivers (same idempotency key).
    expect(attempt("a", 2, 7)).toMatchObject({ ok: false, reason: expect.stringContaining("stale owner") });
    expect(machine.pendingDeliveries().map((d) => d.id)).toEqual([id]);
    expect(attempt("b", 6, 8)).toMatchObject({ ok: true });
    expect(machine.apply({ ...transition(1, "critical", "ok"), owner: "a", token: 2 }, 9)).toMatchObject({
      ok: false,
    });
    expect(machine.monitor("User Service", "Health")?.status).toBe("critical");
  });

  it("keeps members and ownership in its snapshot", () => {
    const machine = new StateMachine();
    applyAll(machine, [
      put(),
      {
        type: "node.announce",
        node: "a",
        apiUrl: "http://127.0.0.1:7070",
        raftAddress: "127.0.0.1:7170",
        at: 2,
      },
      { type: "ownership.grant", module: "User Service", node: "a", handoff: true, at: 3 },
    ]);
    const copy = new StateMachine();
    copy.restore(machine.snapshot());
    expect(copy.members()).toEqual([
      { id: "a", apiUrl: "http://127.0.0.1:7070", raftAddress: "127.0.0.1:7170" },
    ]);
    expect(copy.grant("User Service")).toMatchObject({ node: "a", token: 3, handoff: true });
    expect(copy.ownable()).toEqual(["User Service"]);
  });
});

describe("StateMachine silences", () => {
  const silence = (id: string, until: number) => ({
    type: "silence.add" as const,
    silence: {
      id,
      module: "User Service",
      scope: { monitors: ["Health"] },
      from: 0,
      until,
      by: "bob",
      reason: "",
    },
    at: 1_000,
  });

  it("keeps silences, active and ended, in its snapshot", () => {
    const machine = new StateMachine();
    machine.apply(put(), 1);
    expect(machine.apply(silence("s1", 60_000), 2)).toMatchObject({ ok: true });
    expect(machine.apply(silence("s2", 60_000), 3)).toMatchObject({ ok: true });
    expect(machine.apply({ type: "silence.remove", id: "s2", at: 2_000 }, 4)).toMatchObject({
      ok: true,
      silence: { until: 2_000 },
    });
    expect(machine.apply(silence("s1", 70_000), 5)).toMatchObject({ ok: false, reason: "silence s1 exists" });
    expect(machine.apply(silence("s3", 500), 6)).toMatchObject({ ok: false });

    const restored = new StateMachine();
    restored.restore(machine.snapshot());
    expect(restored.silences(3_000).map((s) => s.id)).toEqual(["s1"]);
    expect(restored.silences()).toEqual(machine.silences());
    const module = restored.module("User Service")!;
    expect(restored.suppression(module, module.definition.monitors[0]!, 3_000)).toMatch(
      /^silenced by bob until /,
    );
  });
});
