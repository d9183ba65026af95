import { describe, expect, it } from "vitest";
import { put } from "../__tests__/fixtures.js";
import { pingId } from "./heartbeats.js";
import { StateMachine } from "./stateMachine.js";

const secret = "s".repeat(43);
const ping = (kind: "success" | "start" | "fail", at: number, extra: object = {}) => ({
  type: "heartbeat.ping",
  module: "User Service",
  monitor: "Health",
  kind,
  at,
  ...extra,
});

describe("heartbeat pings in the state", () => {
  it("keep the last success, start and fail, the run time, exit code and message", () => {
    const machine = new StateMachine();
    machine.apply(put(), 1);
    expect(machine.apply(ping("start", 1_000), 2)).toEqual({ ok: true });
    expect(machine.apply(ping("success", 4_000, { exitCode: 0 }), 3)).toEqual({ ok: true });
    expect(machine.apply(ping("fail", 9_000, { exitCode: 2, message: "disk full" }), 4)).toEqual({
      ok: true,
    });
    expect(machine.heartbeat("User Service", "Health")).toEqual({
      lastStartAt: 1_000,
      lastSuccessAt: 4_000,
      runMs: 3_000,
      lastFailAt: 9_000,
      exitCode: 2,
      message: "disk full",
    });
    expect(machine.apply({ ...ping("success", 1), monitor: "Gone" }, 5)).toMatchObject({ ok: false });
  });

  it("make ping ids from the first secret committed, for the plugin's monitors only", () => {
    const machine = new StateMachine();
    machine.apply(put(), 1);
    expect(machine.pingTarget("x", "@amstaff/sampler-http")).toBeUndefined();
    machine.apply({ type: "heartbeat.secret", secret, at: 2 }, 2);
    machine.apply({ type: "heartbeat.secret", secret: "t".repeat(43), at: 3 }, 3);
    expect(machine.heartbeatSecret).toBe(secret);
    const id = pingId(secret, "User Service", "Latency");
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(id).not.toBe(pingId(secret, "User Service", "Health"));
    expect(machine.pingTarget(id, "@amstaff/sampler-http")).toEqual({
      module: "User Service",
      monitor: "Latency",
    });
    expect(machine.pingTarget(id, "@amstaff/sampler-heartbeat")).toBeUndefined();
  });

  it("survive a snapshot, and a snapshot from before heartbeats restores without any", () => {
    const machine = new StateMachine();
    machine.apply(put(), 1);
    machine.apply({ type: "heartbeat.secret", secret, at: 2 }, 2);
    machine.apply(ping("success", 5_000), 3);
    const restored = new StateMachine();
    restored.restore(machine.snapshot());
    expect(restored.heartbeatSecret).toBe(secret);
    expect(restored.heartbeat("User Service", "Health")).toEqual({ lastSuccessAt: 5_000 });

    const old = JSON.parse(new TextDecoder().decode(machine.snapshot()));
    delete old.heartbeats;
    restored.restore(new TextEncoder().encode(JSON.stringify(old)));
    expect(restored.heartbeatSecret).toBeUndefined();
    expect(restored.heartbeat("User Service", "Health")).toBeUndefined();
  });
});
