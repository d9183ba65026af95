import type { HandlerSpec, ModuleDefinition } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { definition, put, transition } from "../__tests__/fixtures.js";
import type { Command } from "./commands.js";
import type { CommandOf } from "./reducer.js";
import { StateMachine } from "./stateMachine.js";

const hook = (extra: Partial<HandlerSpec> = {}): HandlerSpec => ({
  plugin: "@amstaff/handler-webhook",
  options: { url: "http://127.0.0.1:2/hook" },
  ...extra,
});

const grouped = (by: string[] = ["module"]) => hook({ group: { by, waitMs: 30_000, intervalMs: 300_000 } });

/** A module of `count` monitors (`m0`, `m1`, ...), all with `handler`. */
function moduleOf(count: number, handler: HandlerSpec, name = "User Service"): ModuleDefinition {
  const base = definition(
    name,
    Array.from({ length: count }, (_, i) => `m${i}`),
  );
  return { ...base, monitors: base.monitors.map((m) => ({ ...m, handlers: [handler] })) };
}

class Log {
  readonly machine = new StateMachine();
  #index = 0;
  apply(command: Command) {
    this.#index += 1;
    return this.machine.apply(command, this.#index);
  }
  /** Records `from` → `to` of `monitor` at `at` (module version 2: the put after cluster.init). */
  change(monitor: string, from: "pending" | "ok" | "critical", to: "ok" | "critical", at: number) {
    return this.apply(transition(2, from, to, monitor, at));
  }
  ack(monitor: string, by: string, at: number) {
    return this.apply({ type: "incident.ack", module: "User Service", monitor, by, at });
  }
  attempt(id: string, outcome: "sending" | "delivered" | "retrying", attempt = 1, at = 0) {
    return this.apply({ type: "delivery.attempt", id, attempt, outcome, at });
  }
}

function started(def: ModuleDefinition): Log {
  const log = new Log();
  log.apply({ type: "cluster.init", clusterId: "c1", at: 0 });
  log.apply(put(def));
  return log;
}

describe("grouping", () => {
  it("sends a burst of 10 failures within the wait as one group listing all 10", () => {
    const log = started(moduleOf(10, grouped()));
    for (let i = 0; i < 10; i++) log.change(`m${i}`, "pending", "critical", 1_000 + i * 2_000);
    const [group, ...others] = log.machine.pendingGroups();
    expect(others).toEqual([]);
    expect(group?.members).toHaveLength(10);
    expect(group).toMatchObject({ labels: { module: "User Service" }, dueAt: 31_000, nextAttemptAt: 31_000 });
    // Each member waits for the group: none is sent alone.
    expect(log.machine.pendingDeliveries().every((d) => d.group === group?.id)).toBe(true);
    expect(log.attempt(group!.id, "sending")).toMatchObject({ ok: true });
    expect(log.attempt(group!.id, "delivered", 1, 31_500)).toMatchObject({ ok: true });
    expect(log.machine.pendingDeliveries()).toEqual([]);
    expect(log.machine.deliveries().map((d) => d.status)).toEqual(Array(10).fill("delivered"));
  });

  it("delivers a resolve that comes within the window with the window's message", () => {
    const log = started(moduleOf(2, grouped()));
    log.change("m0", "pending", "critical", 1_000);
    log.change("m0", "critical", "ok", 10_000);
    const [group] = log.machine.pendingGroups();
    expect(group?.dueAt).toBe(31_000);
    const kinds = group?.members.map((id) => log.machine.transition(log.machine.delivery(id)!.transitionId));
    expect(kinds?.map((t) => t?.to)).toEqual(["critical", "ok"]);
  });

  it("keeps groups by a tag apart, and paces a group's next message by its interval", () => {
    const base = moduleOf(3, grouped(["tag:team"]));
    const tags = [["team:a"], ["team:b"], ["team:a"]];
    const log = started({ ...base, monitors: base.monitors.map((m, i) => ({ ...m, tags: tags[i]! })) });
    log.change("m0", "pending", "critical", 1_000);
    log.change("m1", "pending", "critical", 1_000);
    log.change("m2", "pending", "critical", 2_000);
    const groups = log.machine.pendingGroups();
    expect(groups.map((g) => [g.labels, g.members.length])).toEqual([
      [{ "tag:team": "a" }, 2],
      [{ "tag:team": "b" }, 1],
    ]);
    const first = groups[0]!;
    log.attempt(first.id, "sending");
    // Claimed: a later change opens the group's next message, an interval after this one.
    log.change("m0", "critical", "ok", 40_000);
    log.attempt(first.id, "delivered", 1, 41_000);
    const next = log.machine.pendingGroups().find((g) => g.labels["tag:team"] === "a");
    expect(next).toMatchObject({ dueAt: 31_000 + 300_000 });
    expect(next?.members).toHaveLength(1);
  });

  it("keeps groups of two modules apart", () => {
    const log = started(moduleOf(1, grouped(), "A"));
    log.apply(put(moduleOf(1, grouped(), "B")));
    for (const module of ["A", "B"]) {
      const change = transition(module === "A" ? 2 : 3, "pending", "critical", "m0", 1_000);
      log.apply({ ...(change as CommandOf<"transition.record">), module });
    }
    expect(log.machine.pendingGroups().map((g) => g.labels)).toEqual([{ module: "A" }, { module: "B" }]);
  });

  it("settles every member with a retried group's outcome, and survives a snapshot", () => {
    const log = started(moduleOf(2, grouped()));
    log.change("m0", "pending", "critical", 1_000);
    log.change("m1", "pending", "critical", 1_000);
    const id = log.machine.pendingGroups()[0]!.id;
    log.attempt(id, "sending");
    log.apply({
      type: "delivery.attempt",
      id,
      attempt: 1,
      outcome: "retrying",
      error: "503",
      nextAttemptAt: 40_000,
      at: 31_000,
    });
    const copy = new StateMachine();
    copy.restore(log.machine.snapshot());
    expect(copy.group(id)).toMatchObject({ attempts: 1, claimed: 1, nextAttemptAt: 40_000 });
    // The claim of attempt 1 survives: a new owner claims 2.
    expect(
      copy.apply({ type: "delivery.attempt", id, attempt: 1, outcome: "sending", at: 40_000 }, 99),
    ).toMatchObject({ ok: false });
    expect(copy.pendingDeliveries().map((d) => [d.attempts, d.nextAttemptAt])).toEqual([
      [1, 40_000],
      [1, 40_000],
    ]);
  });
});

describe("acknowledged notifications", () => {
  it("go at once to the handlers that opt in and heard of the incident", () => {
    const pager = hook({ options: { url: "http://127.0.0.1:3/pager" }, notifyOn: { acknowledged: true } });
    const base = moduleOf(1, hook());
    const log = started({
      ...base,
      monitors: base.monitors.map((m) => ({ ...m, handlers: [hook(), pager] })),
    });
    log.change("m0", "pending", "critical", 1_000);
    const acked = log.ack("m0", "alice", 5_000);
    expect(acked).toMatchObject({
      ok: true,
      incident: { acknowledged: { by: "alice" } },
      transition: {
        kind: "acknowledged",
        from: "critical",
        to: "critical",
        incident: { acknowledged: { by: "alice" } },
      },
      deliveries: [{ handlerIndex: 1, nextAttemptAt: 5_000 }],
    });
  });

  it("create nothing for handlers that do not opt in (the notice is kept for the incident's timeline)", () => {
    const log = started(moduleOf(1, hook()));
    log.change("m0", "pending", "critical", 1_000);
    const acked = log.ack("m0", "alice", 5_000);
    expect(acked).toMatchObject({ ok: true, transition: { kind: "acknowledged" }, deliveries: [] });
    expect(log.machine.pendingDeliveries()).toHaveLength(1);
  });
});
