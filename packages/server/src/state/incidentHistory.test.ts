import { describe, expect, it } from "vitest";
import { put, transition } from "../__tests__/fixtures.js";
import type { Command } from "./commands.js";
import { listIncidents } from "./incidentHistory.js";
import { StateMachine } from "./stateMachine.js";

const alice = { name: "alice-token", team: "default", role: "operate" };
const ack = (monitor: string, at: number, by = "alice"): Command => ({
  type: "incident.ack",
  module: "User Service",
  monitor,
  by,
  actor: { ...alice, name: by === "alice" ? alice.name : by },
  at,
});

/** One module (version 1): Health fails, worsens, is acked and silenced, resolves; Latency fails and stays open. */
function history(): StateMachine {
  const machine = new StateMachine();
  const commands: Command[] = [
    put(),
    transition(1, "pending", "ok", "Health", 100),
    transition(1, "ok", "warning", "Health", 1_000),
    transition(1, "warning", "critical", "Health", 2_000),
    ack("Health", 3_000),
    {
      type: "silence.add",
      silence: {
        id: "s1",
        module: "User Service",
        scope: { monitors: ["Health"] },
        from: 3_500,
        until: 10_000,
        by: "alice",
        reason: "db migration",
      },
      at: 3_500,
    },
    transition(1, "critical", "ok", "Health", 5_000),
    transition(1, "pending", "critical", "Latency", 6_000),
  ];
  commands.forEach((command, i) => {
    expect(machine.apply(command, i + 1), JSON.stringify(command)).toMatchObject({ ok: true });
  });
  return machine;
}

describe("the incident history", () => {
  it("tells each incident's timeline from the kept transitions, acknowledgements and silences", () => {
    const { incidents, next } = listIncidents(history(), { limit: 50 });
    expect(next).toBeNull();
    expect(incidents.map((i) => [i.monitor, i.state, i.status, i.worst])).toEqual([
      ["Latency", "open", "critical", "critical"],
      ["Health", "resolved", "ok", "critical"],
    ]);
    const health = incidents[1]!;
    expect(health).toMatchObject({
      key: "local-3",
      team: "default",
      openedAt: 1_000,
      resolvedAt: 5_000,
      complete: true,
      acknowledged: { name: "alice", team: "default", at: 3_000 },
    });
    expect(health.events.map((e) => [e.type, e.at, e.status, e.by?.name ?? null])).toEqual([
      ["opened", 1_000, "warning", null],
      ["worsened", 2_000, "critical", null],
      ["acknowledged", 3_000, "critical", "alice"],
      ["silenced", 3_500, "critical", "alice"],
      ["resolved", 5_000, "ok", null],
    ]);
    expect(health.events[0]!.notifications).toEqual([
      {
        handler: "@amstaff/handler-webhook",
        status: "pending",
        attempts: 0,
        deliveredAt: null,
        lastError: null,
      },
    ]);
    // The handler does not opt in to acknowledgements: the notice is recorded, nothing is sent.
    expect(health.events[2]!.notifications).toEqual([]);
    expect(health.events[3]!.silence).toEqual({
      id: "s1",
      from: 3_500,
      until: 10_000,
      reason: "db migration",
    });
  });

  it("filters by module, monitor, team and state, and pages newest first without gaps or repeats", () => {
    const machine = history();
    expect(listIncidents(machine, { limit: 50, states: ["resolved"] }).incidents.map((i) => i.key)).toEqual([
      "local-3",
    ]);
    expect(listIncidents(machine, { limit: 50, monitor: "Latency" }).incidents).toHaveLength(1);
    expect(listIncidents(machine, { limit: 50, team: "search" }).incidents).toEqual([]);
    expect(listIncidents(machine, { limit: 50, module: "Nope" }).incidents).toEqual([]);

    machine.apply(ack("Latency", 7_000, "bob"), 20);
    expect(listIncidents(machine, { limit: 50, states: ["acknowledged"] }).incidents[0]).toMatchObject({
      monitor: "Latency",
      acknowledged: { name: "bob", at: 7_000 },
    });

    const first = listIncidents(machine, { limit: 1 });
    expect(first.incidents.map((i) => i.monitor)).toEqual(["Latency"]);
    const second = listIncidents(machine, { limit: 1, after: first.next! });
    expect(second).toMatchObject({ incidents: [{ monitor: "Health" }], next: null });
  });

  it("survives a snapshot: the same incidents come back from the restored state", () => {
    const machine = history();
    const restored = new StateMachine();
    restored.restore(machine.snapshot());
    expect(listIncidents(restored, { limit: 50 })).toEqual(listIncidents(machine, { limit: 50 }));
  });
});
