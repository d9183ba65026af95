import { describe, expect, it } from "vitest";
import { put, transition } from "../__tests__/fixtures.js";
import type { Command } from "./commands.js";
import { exportedState } from "./import.js";
import { StateMachine } from "./stateMachine.js";

/** A source cluster with a module, a transition (and its deliveries) and members of its own. */
function source(): StateMachine {
  const machine = new StateMachine();
  machine.apply({ type: "cluster.init", clusterId: "source", at: 0 }, 1);
  machine.apply({ type: "node.add", node: "a", raftAddress: "127.0.0.1:1", at: 0 }, 2);
  machine.apply(put(), 3);
  machine.apply(transition(3, "pending", "critical"), 4);
  machine.apply({ type: "ownership.grant", module: "User Service", node: "a", handoff: false, at: 5 }, 5);
  return machine;
}

const importOf = (machine: StateMachine, replace = false): Command => ({
  type: "state.import",
  state: exportedState(machine.snapshot()),
  replace,
  source: { clusterId: machine.clusterId, version: "0.0.0" },
  at: 10,
});

describe("state.import", () => {
  it("takes every record but the cluster's id, members and grants, and gives modules a version of this log", () => {
    const from = source();
    const target = new StateMachine();
    target.apply({ type: "cluster.init", clusterId: "target", at: 0 }, 1);
    expect(target.apply(importOf(from), 2)).toEqual({ ok: true });
    expect(target.clusterId).toBe("target");
    expect(target.members()).toEqual([]);
    expect(target.grants()).toEqual([]);
    expect(target.module("User Service")).toEqual({ ...from.module("User Service"), version: 2 });
    expect(target.history("User Service")).toEqual(from.history("User Service"));
    expect(target.monitor("User Service", "Health")).toEqual(from.monitor("User Service", "Health"));
    expect(target.pendingDeliveries()).toEqual(from.pendingDeliveries());
    expect(target.audit()[0]).toMatchObject({ index: 2, action: "state.import" });
    // A runner of the imported module proposes with the version it was given here.
    expect(target.apply(transition(2, "critical", "ok"), 3)).toMatchObject({ ok: true });
  });

  it("is refused while the cluster has modules, changing nothing, unless it replaces them", () => {
    const target = source();
    const before = target.snapshot();
    expect(target.apply(importOf(source()), 6)).toMatchObject({ ok: false, code: "AMS_ERR_CONFLICT" });
    expect(target.snapshot()).toEqual(before);
    expect(target.apply(importOf(new StateMachine(), true), 6)).toEqual({ ok: true });
    expect(target.modules()).toEqual([]);
    expect(target.members().map((m) => m.id)).toEqual(["a"]);
  });
  it("carries the heartbeat secret, so the ping URLs the source's jobs call keep working", () => {
    const from = source();
    from.apply({ type: "heartbeat.secret", secret: "source".padEnd(40, "-"), at: 6 }, 6);
    const target = new StateMachine();
    target.apply({ type: "cluster.init", clusterId: "target", at: 0 }, 1);
    target.apply({ type: "heartbeat.secret", secret: "target".padEnd(40, "-"), at: 1 }, 2);
    expect(target.apply(importOf(from), 3)).toEqual({ ok: true });
    expect(target.heartbeatSecret).toBe("source".padEnd(40, "-"));
  });
});
