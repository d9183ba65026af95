import { describe, expect, it } from "vitest";
import { definition, put, transition } from "./__tests__/fixtures.js";
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

  it("records delivery attempts in order and ignores duplicates", () => {
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
    expect(attempt(1, "retrying", 4)).toMatchObject({ ok: false });
    expect(attempt(2, "delivered", 5)).toMatchObject({ ok: true });
    expect(attempt(3, "retrying", 6)).toMatchObject({ ok: false });
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
