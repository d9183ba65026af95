import { AmstaffError, defineHandlerPlugin, type NotifyContext, type Transition } from "@amstaff/core";
import Database from "better-sqlite3";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { definition, put, transition } from "../__tests__/fixtures.js";
import { ManualClock } from "../__tests__/manualClock.js";
import { PluginRegistry } from "../plugins/plugins.js";
import type { ReplicatedLog } from "../state/replicatedLog.js";
import { SqliteLog } from "../state/sqliteLog.js";
import { StateMachine } from "../state/stateMachine.js";
import { DeliveryWorker } from "./deliveryWorker.js";

type Outcome = "ok" | "500" | "429" | "400";

/** A handler plugin whose answers the test scripts, recording every call. */
function scriptedPlugin(script: Outcome[]) {
  const calls: { transition: Transition; context: NotifyContext; at: number }[] = [];
  let clock: ManualClock | undefined;
  const plugin = defineHandlerPlugin({
    kind: "handler",
    id: "scripted",
    package: "scripted",
    description: "answers as scripted",
    options: z.object({}),
    builders: {},
    create: () => ({
      name: "scripted",
      async notify(transition, context) {
        calls.push({ transition, context, at: clock?.now() ?? 0 });
        const answer = script.shift() ?? "ok";
        if (answer === "ok") return { ts: `ts-${calls.length}` };
        throw new AmstaffError("AMS_ERR_DELIVERY_FAILED", `HTTP ${answer}`, {
          retryable: answer !== "400",
          retryAfterMs: answer === "429" ? 30_000 : undefined,
        });
      },
    }),
  });
  return { plugin, calls, setClock: (c: ManualClock) => (clock = c) };
}

/**
 * Where the worker's next proposals fail with an unknown outcome, as when the leader dies during a
 * commit: "lost" never reached the log, "committed" did.
 */
type Fault = "lost" | "committed";

async function setup(script: Outcome[], faults: { claim?: Fault[]; record?: Fault[] } = {}) {
  const clock = new ManualClock();
  const scripted = scriptedPlugin(script);
  scripted.setClock(clock);
  const machine = new StateMachine();
  const log = new SqliteLog(new Database(":memory:"), machine);
  const def = definition("User Service", ["Health"]);
  def.monitors[0]!.handlers = [{ plugin: "scripted", options: {} }];
  const unknownOutcome = () =>
    new AmstaffError(
      "AMS_ERR_LOG_UNAVAILABLE",
      "Could not reach the leader; the command may or may not be committed.",
    );
  const workerLog: ReplicatedLog = {
    async propose(command) {
      const queue =
        command.type === "delivery.attempt"
          ? command.outcome === "sending"
            ? faults.claim
            : faults.record
          : undefined;
      const fault = queue?.shift();
      if (fault === "lost") throw unknownOutcome();
      const result = await log.propose(command);
      if (fault === "committed") throw unknownOutcome();
      return result;
    },
    close: () => log.close(),
  };
  const newWorker = () =>
    new DeliveryWorker({
      machine,
      log: workerLog,
      plugins: new PluginRegistry([scripted.plugin]),
      clock,
      logger: pino({ level: "silent" }),
      retry: { baseDelayMs: 1_000, maxDelayMs: 60_000, maxAttempts: script.length > 5 ? 12 : 4 },
      random: () => 0.5,
      publicUrl: "https://amstaff.example.com/",
    });
  const worker = newWorker();
  await log.propose(put(def));
  return { clock, machine, log, worker, newWorker, calls: scripted.calls };
}

describe("DeliveryWorker", () => {
  it("retries with backoff until delivered, records every attempt, and sends the same idempotency key", async () => {
    const { clock, machine, log, worker, calls } = await setup(["500", "500", "ok"]);
    await log.propose({ ...transition(1, "pending", "critical"), at: clock.now() });
    await clock.advance(10_000);
    expect(calls.map((c) => c.context.attempt)).toEqual([1, 2, 3]);
    expect(new Set(calls.map((c) => c.context.idempotencyKey)).size).toBe(1);
    const [first, second, third] = calls.map((c) => c.at);
    expect(second! - first!).toBe(750);
    expect(third! - second!).toBe(1_500);
    expect(machine.deliveries()[0]).toMatchObject({
      status: "delivered",
      attempts: 3,
      lastError: undefined,
      receipt: { ts: "ts-3" },
    });
    expect(calls[0]!.transition.link).toBe(
      "https://amstaff.example.com/monitors?module=User%20Service&monitor=Health",
    );
    await worker.stop();
  });

  it("gets an alert through to a receiver that is down for a minute, once it is back", async () => {
    const { clock, machine, log, worker, calls } = await setup(
      Array.from({ length: 7 }, () => "500" as const),
    );
    await log.propose({ ...transition(1, "pending", "critical"), at: clock.now() });
    await clock.advance(120_000);
    const delivered = machine.deliveries()[0]!;
    expect(delivered).toMatchObject({ status: "delivered", attempts: 8 });
    expect(calls.filter((c) => c.context.attempt < 8).every((c) => c.at - calls[0]!.at < 60_000)).toBe(true);
    expect(calls.at(-1)!.at - calls[0]!.at).toBeGreaterThanOrEqual(60_000);
    await worker.stop();
  });

  it("waits at least as long as the receiver's Retry-After", async () => {
    const { clock, log, worker, calls } = await setup(["429", "ok"]);
    await log.propose({ ...transition(1, "pending", "critical"), at: clock.now() });
    await clock.advance(29_000);
    expect(calls).toHaveLength(1);
    await clock.advance(2_000);
    expect(calls).toHaveLength(2);
    await worker.stop();
  });

  it("gives up on a permanent error at once, and after maxAttempts on a transient one", async () => {
    const permanent = await setup(["400"]);
    await permanent.log.propose({ ...transition(1, "pending", "critical"), at: permanent.clock.now() });
    await permanent.clock.advance(120_000);
    expect(permanent.machine.deliveries()[0]).toMatchObject({
      status: "failed",
      attempts: 1,
      lastError: "HTTP 400",
    });
    await permanent.worker.stop();

    const transient = await setup(["500", "500", "500", "500", "500"]);
    await transient.log.propose({ ...transition(1, "pending", "critical"), at: transient.clock.now() });
    await transient.clock.advance(600_000);
    expect(transient.calls).toHaveLength(4);
    expect(transient.machine.deliveries()[0]).toMatchObject({ status: "failed", attempts: 4 });
    await transient.worker.stop();
  });

  it("delivers one monitor's notifications in commit order, the recovery threaded on the alert's receipt", async () => {
    const { clock, machine, log, worker, calls } = await setup(["500", "500", "ok", "ok"]);
    await log.propose({ ...transition(1, "pending", "critical"), at: clock.now() });
    await clock.advance(100);
    await log.propose({ ...transition(1, "critical", "ok"), at: clock.now() });
    await clock.advance(60_000);
    expect(calls.map((c) => `${c.transition.to}#${c.context.attempt}`)).toEqual([
      "critical#1",
      "critical#2",
      "critical#3",
      "ok#1",
    ]);
    expect(calls[3]!.context.receipt).toEqual({ ts: "ts-3" });
    expect(machine.pendingDeliveries()).toEqual([]);
    await worker.stop();
  });

  it("retries only the record of a delivered attempt whose commit is unknown, never the send", async () => {
    for (const fault of ["lost", "committed"] as const) {
      const { clock, machine, log, worker, calls } = await setup(["ok"], { record: [fault, fault] });
      await log.propose({ ...transition(1, "pending", "critical"), at: clock.now() });
      await clock.advance(60_000);
      expect(calls.map((c) => c.context.attempt)).toEqual([1]);
      expect(machine.deliveries()[0]).toMatchObject({ status: "delivered", attempts: 1, claimed: 1 });
      await worker.stop();
    }
  });

  it("never sends an attempt number twice: a failed record or claim moves to the next number", async () => {
    const { clock, machine, log, worker, calls } = await setup(["500", "500", "ok"], {
      claim: ["committed"],
      record: ["lost"],
    });
    await log.propose({ ...transition(1, "pending", "critical"), at: clock.now() });
    await clock.advance(60_000);
    // Claim 1 committed but unconfirmed: never sent. 2 fails (its record retried), 3 fails, 4 succeeds.
    expect(calls.map((c) => c.context.attempt)).toEqual([2, 3, 4]);
    expect(machine.deliveries()[0]).toMatchObject({ status: "delivered", attempts: 4 });
    await worker.stop();
  });

  it("continues the attempt numbers of an owner that died between sending and recording", async () => {
    const { clock, machine, log, worker, newWorker, calls } = await setup(["ok"]);
    await worker.stop();
    await log.propose({ ...transition(1, "pending", "critical"), at: clock.now() });
    const id = machine.pendingDeliveries()[0]!.id;
    // The previous owner claimed attempt 1, sent it, and died before recording how it went.
    await log.propose({ type: "delivery.attempt", id, attempt: 1, outcome: "sending", at: clock.now() });
    const next = newWorker();
    next.kick();
    await clock.advance(60_000);
    expect(calls.map((c) => c.context.attempt)).toEqual([2]);
    await next.stop();
  });
});
