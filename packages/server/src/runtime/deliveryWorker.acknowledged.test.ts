import Database from "better-sqlite3";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  type PagerdutyEmulator,
  startPagerdutyEmulator,
} from "../../../handler-pagerduty/src/__tests__/pagerdutyEmulator.js";
import { definition, put, transition } from "../__tests__/fixtures.js";
import { ManualClock } from "../__tests__/manualClock.js";
import { builtinPlugins, PluginRegistry } from "../plugins/plugins.js";
import { SqliteLog } from "../state/sqliteLog.js";
import { StateMachine } from "../state/stateMachine.js";
import { DeliveryWorker } from "./deliveryWorker.js";

// The PagerDuty emulator of @amstaff/handler-pagerduty's tests: PagerDuty's real request and answer shapes.
let pd: PagerdutyEmulator | undefined;
afterEach(() => pd?.close());

describe("DeliveryWorker and acknowledged notifications", () => {
  it("acknowledges the PagerDuty alert as soon as the incident is acknowledged", async () => {
    pd = await startPagerdutyEmulator();
    const clock = new ManualClock();
    const machine = new StateMachine();
    const log = new SqliteLog(new Database(":memory:"), machine);
    const def = definition("User Service", ["Health"]);
    def.monitors[0]!.handlers = [
      {
        plugin: "@amstaff/handler-pagerduty",
        options: { routingKey: pd.routingKey, baseUrl: pd.url },
        // What compiling a module records from the PagerDuty plugin's descriptor.
        notifyOn: { acknowledged: true },
      },
    ];
    const worker = new DeliveryWorker({
      machine,
      log,
      plugins: new PluginRegistry(builtinPlugins),
      clock,
      logger: pino({ level: "silent" }),
    });
    await log.propose(put(def));
    await log.propose({ ...transition(1, "pending", "critical"), at: clock.now() });
    await vi.waitFor(() => expect(pd?.alerts).toMatchObject([{ status: "triggered" }]));

    await log.propose({
      type: "incident.ack",
      module: "User Service",
      monitor: "Health",
      by: "alice",
      at: clock.now(),
    });
    await vi.waitFor(() => expect(pd?.alerts).toMatchObject([{ status: "acknowledged" }]));
    expect(pd.requests.map((r) => (r.body as { event_action: string }).event_action)).toEqual([
      "trigger",
      "acknowledge",
    ]);
    await worker.stop();
  });
});
