import { AmstaffError } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { definition, put, transition } from "../__tests__/fixtures.js";
import { StateMachine } from "./stateMachine.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("StateMachine.restore", () => {
  it("refuses bytes that are not a snapshot it can read with AMS_ERR_STATE_CORRUPT, and keeps its state", () => {
    const machine = new StateMachine();
    machine.apply(put(), 1);
    const before = machine.snapshot();
    for (const snapshot of [bytes("{not json"), bytes(JSON.stringify({ format: 3 }))]) {
      expect(() => machine.restore(snapshot)).toThrow(AmstaffError);
      expect(() => machine.restore(snapshot)).toThrow(
        expect.objectContaining({ code: "AMS_ERR_STATE_CORRUPT" }),
      );
    }
    expect(machine.snapshot()).toEqual(before);
  });

  it("reads a format 1 snapshot, written by an earlier version, and writes format 2", () => {
    const original = new StateMachine();
    original.apply(put(), 1);
    const format1 = { ...JSON.parse(new TextDecoder().decode(original.snapshot())), format: 1 };
    const restored = new StateMachine();
    restored.restore(bytes(JSON.stringify(format1)));
    expect(restored.snapshot()).toEqual(original.snapshot());
  });

  it("shares a restored definition's empty lists and schedules as a push's parse does", () => {
    const original = new StateMachine();
    original.apply(put(definition("Billing", ["Api", "Queue"])), 1);
    const restored = new StateMachine();
    restored.restore(original.snapshot());
    const pushed = original.module("Billing")!.definition.monitors;
    const [api, queue] = restored.module("Billing")!.definition.monitors;
    expect(restored.module("Billing")!.definition).toEqual(original.module("Billing")!.definition);
    expect(api!.dependsOn).toBe(pushed[0]!.dependsOn);
    expect(queue!.dependsOn).toBe(pushed[1]!.dependsOn);
    expect(queue!.schedule).toBe(pushed[1]!.schedule);
    expect(queue!.sampler.plugin).toBe("@amstaff/sampler-http");
  });
});

describe("StateMachine.snapshotInSlices", () => {
  function busyMachine(): StateMachine {
    const machine = new StateMachine();
    const commands = [
      { type: "cluster.init", clusterId: "c1", at: 0 },
      put(),
      put(definition("Billing", ["Api", "Queue", "Db"])),
      transition(2, "pending", "ok", "Health", 10),
      transition(2, "ok", "critical", "Health", 20),
      transition(2, "pending", "warning", "Latency", 30),
    ];
    for (const [i, command] of commands.entries()) {
      expect(machine.apply(command, i + 1)).toMatchObject({ ok: true });
    }
    expect(machine.pendingDeliveries().length).toBeGreaterThan(0);
    return machine;
  }

  it("gives the very bytes of snapshot(), yielding to the event loop between pieces", async () => {
    const machine = busyMachine();
    let turns = 0;
    let encoding = true;
    const other = () => {
      turns++;
      if (encoding) setImmediate(other);
    };
    setImmediate(other);
    const sliced = await machine.snapshotInSlices(0);
    encoding = false;
    expect(turns).toBeGreaterThan(10);
    expect(new TextDecoder().decode(sliced)).toBe(new TextDecoder().decode(machine.snapshot()));
    const restored = new StateMachine();
    restored.restore(sliced);
    expect(restored.snapshot()).toEqual(machine.snapshot());
  });

  it("fails with AMS_ERR_STATE_CORRUPT rather than mix states when a command is applied meanwhile", async () => {
    const machine = busyMachine();
    const encoding = machine.snapshotInSlices(0);
    machine.apply(transition(2, "critical", "ok", "Health", 40), 7);
    await expect(encoding).rejects.toMatchObject({ code: "AMS_ERR_STATE_CORRUPT" });
  });
});
