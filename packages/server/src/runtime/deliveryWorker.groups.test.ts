import {
  defineHandlerPlugin,
  type HandlerSpec,
  type NotificationGroup,
  type NotifyContext,
  type Transition,
} from "@amstaff/core";
import Database from "better-sqlite3";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { definition, put, transition } from "../__tests__/fixtures.js";
import { ManualClock } from "../__tests__/manualClock.js";
import { PluginRegistry } from "../plugins/plugins.js";
import type { CommandOf } from "../state/reducer.js";
import { SqliteLog } from "../state/sqliteLog.js";
import { StateMachine } from "../state/stateMachine.js";
import { DeliveryWorker } from "./deliveryWorker.js";

type TransitionCommand = CommandOf<"transition.record">;

/** Two handler plugins, one that renders groups (`grouping`) and one that does not (`single`). */
function recordingPlugins() {
  const groups: { group: NotificationGroup; context: NotifyContext }[] = [];
  const singles: { transition: Transition; context: NotifyContext }[] = [];
  const base = { package: "test", description: "records", options: z.object({}), builders: {} };
  const plugins = [
    defineHandlerPlugin({
      ...base,
      kind: "handler",
      id: "grouping",
      create: () => ({
        name: "grouping",
        async notify() {
          throw new Error("a grouping handler's groups go to notifyGroup");
        },
        async notifyGroup(group, context) {
          groups.push({ group, context });
          return { thread: `t-${groups.length}` };
        },
      }),
    }),
    defineHandlerPlugin({
      ...base,
      kind: "handler",
      id: "single",
      create: () => ({
        name: "single",
        async notify(transition, context) {
          singles.push({ transition, context });
        },
      }),
    }),
  ];
  return { plugins, groups, singles };
}

async function setup(plugin: "grouping" | "single", monitors = 5) {
  const clock = new ManualClock();
  const recorded = recordingPlugins();
  const machine = new StateMachine();
  const log = new SqliteLog(new Database(":memory:"), machine);
  const handler: HandlerSpec = {
    plugin,
    options: {},
    group: { by: ["module"], waitMs: 30_000, intervalMs: 300_000 },
  };
  const def = definition(
    "Shop",
    Array.from({ length: monitors }, (_, i) => `m${i}`),
  );
  for (const m of def.monitors) m.handlers = [handler];
  const newWorker = () =>
    new DeliveryWorker({
      machine,
      log,
      plugins: new PluginRegistry(recorded.plugins),
      clock,
      logger: pino({ level: "silent" }),
      random: () => 0.5,
    });
  await log.propose(put(def));
  const change = (monitor: string, from: "pending" | "critical", to: "critical" | "ok") =>
    log.propose({ ...(transition(1, from, to, monitor, clock.now()) as TransitionCommand), module: "Shop" });
  return { clock, machine, log, newWorker, change, ...recorded };
}

describe("DeliveryWorker with a grouping handler", () => {
  it("sends a burst as one message after the wait, then the recovery within the interval", async () => {
    const { clock, machine, newWorker, change, groups } = await setup("grouping");
    const worker = newWorker();
    for (let i = 0; i < 5; i++) {
      await change(`m${i}`, "pending", "critical");
      await clock.advance(1_000);
    }
    expect(groups).toEqual([]);
    await clock.advance(25_000);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.group.notifications.map((n) => [n.transition.monitor, n.transition.to])).toEqual(
      Array.from({ length: 5 }, (_, i) => [`m${i}`, "critical"]),
    );
    expect(groups[0]!.group.labels).toEqual({ module: "Shop" });
    expect(machine.deliveries().every((d) => d.status === "delivered" && d.receipt?.thread === "t-1")).toBe(
      true,
    );
    for (let i = 0; i < 5; i++) await change(`m${i}`, "critical", "ok");
    // The group's next message comes an interval after its first.
    await clock.advance(299_000);
    expect(groups).toHaveLength(1);
    await clock.advance(1_000);
    expect(groups).toHaveLength(2);
    expect(groups[1]!.group.notifications.map((n) => n.transition.to)).toEqual(Array(5).fill("ok"));
    // Each incident's resolve hears of its alert's receipt (a thread to reply in).
    expect(groups[1]!.group.notifications.map((n) => n.receipt)).toEqual(Array(5).fill({ thread: "t-1" }));
    await worker.stop();
  });

  it("calls notify once per member, each with its own key, for a handler without notifyGroup", async () => {
    const { clock, newWorker, change, singles } = await setup("single", 3);
    const worker = newWorker();
    for (let i = 0; i < 3; i++) await change(`m${i}`, "pending", "critical");
    await clock.advance(30_000);
    expect(singles.map((s) => s.transition.monitor)).toEqual(["m0", "m1", "m2"]);
    expect(new Set(singles.map((s) => s.context.idempotencyKey)).size).toBe(3);
    await worker.stop();
  });

  it("sends exactly one message when the owner stops between the group's opening and its send", async () => {
    const { clock, machine, newWorker, change, groups } = await setup("grouping");
    const first = newWorker();
    for (let i = 0; i < 5; i++) await change(`m${i}`, "pending", "critical");
    await clock.advance(10_000);
    await first.stop();
    const next = newWorker();
    next.kick();
    await clock.advance(30_000);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.group.notifications).toHaveLength(5);
    expect(machine.pendingGroups()).toEqual([]);
    await next.stop();
  });
});
