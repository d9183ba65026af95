import { describe, expect, it } from "vitest";
import { definition, put } from "../__tests__/fixtures.js";
import { ManualClock } from "../__tests__/manualClock.js";
import type { Command } from "../state/commands.js";
import { pingId } from "../state/heartbeats.js";
import { StateMachine } from "../state/stateMachine.js";
import { heartbeatInbox } from "./heartbeatInbox.js";

const plugin = "@amstaff/sampler-heartbeat";
const secret = "k".repeat(43);

/** A state with one heartbeat monitor, a log that commits at once, and the commands it was given. */
function setUp() {
  const machine = new StateMachine();
  const def = definition("batch", ["backup"]);
  def.monitors[0]!.sampler = { plugin, options: { every: "5m" } };
  machine.apply(put(def), 1);
  machine.apply({ type: "heartbeat.secret", secret, at: 1 }, 2);
  const proposed: Command[] = [];
  let index = 3;
  const log = {
    propose: async (command: Command) => {
      proposed.push(command);
      return machine.apply(command, index++);
    },
    close: async () => {},
  };
  const clock = new ManualClock();
  return { machine, proposed, clock, inbox: heartbeatInbox({ machine, log, clock }, plugin) };
}

describe("heartbeatInbox", () => {
  it("commits a ping for the monitor its id names, and knows no other id", async () => {
    const { inbox, proposed, clock } = setUp();
    const id = pingId(secret, "batch", "backup");
    expect(await inbox.record(id, { kind: "fail", exitCode: 2, message: "x".repeat(5_000) })).toBe(
      "recorded",
    );
    expect(proposed).toEqual([
      {
        type: "heartbeat.ping",
        module: "batch",
        monitor: "backup",
        kind: "fail",
        exitCode: 2,
        message: "x".repeat(1024),
        at: clock.now(),
      },
    ]);
    expect(await inbox.record(pingId(secret, "batch", "other"), { kind: "success" })).toBe("unknown");
    expect(proposed).toHaveLength(1);
  });

  it("answers but does not commit a second ping of the same kind within a second", async () => {
    const { inbox, proposed, clock, machine } = setUp();
    const id = pingId(secret, "batch", "backup");
    expect(await inbox.record(id, { kind: "success" })).toBe("recorded");
    await clock.advance(999);
    expect(await inbox.record(id, { kind: "success" })).toBe("coalesced");
    expect(await inbox.record(id, { kind: "start" })).toBe("recorded");
    await clock.advance(1);
    expect(await inbox.record(id, { kind: "success" })).toBe("recorded");
    expect(proposed.map((c) => (c.type === "heartbeat.ping" ? c.kind : c.type))).toEqual([
      "success",
      "start",
      "success",
    ]);
    expect(machine.heartbeat("batch", "backup")?.runMs).toBe(1);
  });
});
