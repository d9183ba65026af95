import { getEventListeners } from "node:events";
import { AmstaffError, defineSamplerPlugin, results, type SampleResult } from "@amstaff/core";
import Database from "better-sqlite3";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { definition, put } from "../__tests__/fixtures.js";
import { ManualClock } from "../__tests__/manualClock.js";
import type { Ownership } from "../cluster/ownership.js";
import { PluginRegistry } from "../plugins/plugins.js";
import type { ReplicatedLog } from "../state/replicatedLog.js";
import { SqliteLog } from "../state/sqliteLog.js";
import { StateMachine } from "../state/stateMachine.js";
import { MonitorRunner, type MonitorRunnerDeps } from "./monitorRunner.js";
import { Observations } from "./observations.js";
import { nextSlot, phaseOffset } from "./phase.js";
import { type Job, Scheduler } from "./scheduler.js";

/** A sampler plugin whose monitors' probes `probe` answers, given the monitor's name and signal. */
function samplerPlugin(
  id: string,
  probe: (name: string, signal: AbortSignal) => Promise<SampleResult>,
  dispose?: () => void,
) {
  return defineSamplerPlugin({
    kind: "sampler",
    id,
    package: id,
    description: `the test's ${id} sampler`,
    options: z.object({}),
    builders: {},
    create: (_options, { name, tags }) => ({
      name,
      tags,
      probe: ({ signal } = { signal: new AbortController().signal }) => probe(name, signal),
      ...(dispose ? { dispose } : {}),
    }),
  });
}

/**
 * A sampler whose probes never end on their own: they settle only when their signal aborts. While
 * `control.hang` is off they answer `ok` at once.
 */
function hangingPlugin(control = { hang: true }) {
  const probes: AbortSignal[] = [];
  let disposed = 0;
  const plugin = samplerPlugin(
    "hanging",
    (_name, signal) => {
      probes.push(signal);
      if (!control.hang) return Promise.resolve(results.ok("fine"));
      return new Promise((resolve) =>
        signal.addEventListener("abort", () => resolve(results.unknown("aborted")), { once: true }),
      );
    },
    () => {
      disposed += 1;
    },
  );
  return { plugin, probes, disposed: () => disposed };
}

/**
 * A runner on an in-memory node: a state machine fed by a SQLite log, a scheduler on a manual clock, and the
 * runner over `plugins`; `more` adds to or replaces the runner's dependencies, given the node's parts.
 */
function runnerOn(
  plugins: ConstructorParameters<typeof PluginRegistry>[0],
  more: (node: { machine: StateMachine; log: SqliteLog }) => Partial<MonitorRunnerDeps> = () => ({}),
  clock = new ManualClock(),
) {
  const machine = new StateMachine();
  const db = new Database(":memory:");
  const log = new SqliteLog(db, machine);
  const scheduler = new Scheduler({ clock });
  const observations = new Observations(db);
  const runner = new MonitorRunner({
    machine,
    log,
    plugins: new PluginRegistry(plugins),
    scheduler,
    observations,
    clock,
    logger: pino({ level: "silent" }),
    ...more({ machine, log }),
  });
  const stop = async () => {
    runner.stop();
    await scheduler.stop();
  };
  return { clock, machine, log, scheduler, observations, runner, stop };
}

describe("MonitorRunner", () => {
  it("aborts the probe under way and disposes the sampler when its module is deleted", async () => {
    const hanging = hangingPlugin();
    const { clock, log, scheduler, stop } = runnerOn([hanging.plugin]);
    const def = definition("Runaway", ["Endless"]);
    // Far longer than the test: only the deletion can end the probe.
    def.monitors[0] = {
      ...def.monitors[0]!,
      sampler: { plugin: "hanging", options: {} },
      timeoutMs: 600_000,
    };
    await log.propose(put(def));
    await clock.advance(1_000);
    expect(hanging.probes).toHaveLength(1);
    expect(hanging.probes[0]!.aborted).toBe(false);

    await log.propose({ type: "module.delete", name: "Runaway", at: clock.now() });
    expect(hanging.probes[0]!.aborted).toBe(true);
    expect(hanging.disposed()).toBe(1);
    expect(scheduler.keys()).toEqual([]);
    await stop();
  });

  it("follows pushes and ownership changes until it stops, and nothing after", async () => {
    const hanging = hangingPlugin();
    const owned = new Set<string>();
    const listeners = new Set<() => void>();
    const ownership: Ownership = {
      mayRun: (module) => owned.has(module),
      fence: () => undefined,
      onChange: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const { log, scheduler, runner } = runnerOn([hanging.plugin], () => ({ ownership }));
    const hangingModule = (name: string) => {
      const def = definition(name, ["Endless"]);
      def.monitors[0] = { ...def.monitors[0]!, sampler: { plugin: "hanging", options: {} } };
      return def;
    };
    await log.propose(put(hangingModule("Granted")));
    expect(scheduler.keys()).toEqual([]);
    owned.add("Granted");
    for (const listener of listeners) listener();
    expect(scheduler.keys()).toHaveLength(1);

    runner.stop();
    expect(listeners.size).toBe(0);
    owned.add("Later");
    await log.propose(put(hangingModule("Later")));
    expect(scheduler.keys()).toEqual([]);
    await scheduler.stop();
  });

  it("leaves nothing on the scheduler's signal per run, and its stop still aborts the probes under way", async () => {
    const control = { hang: false };
    const recording = hangingPlugin(control);
    const { clock, log, scheduler, runner } = runnerOn([recording.plugin], () => ({
      incidentTickMs: 3_600_000,
    }));
    // The signal the scheduler hands every run: long-lived, so whatever a run leaves on it stays.
    let schedulerSignal: AbortSignal | undefined;
    const add = scheduler.add.bind(scheduler);
    scheduler.add = (key: string, job: Job) =>
      add(key, {
        ...job,
        run: (signal) => {
          schedulerSignal = signal;
          return job.run(signal);
        },
      });
    const def = definition("Steady", ["A", "B", "C"]);
    def.monitors = def.monitors.map((m) => ({
      ...m,
      sampler: { plugin: "hanging", options: {} },
      schedule: { kind: "interval", every: "1s" },
    }));
    await log.propose(put(def));
    for (let second = 0; second < 40; second++) await clock.advance(1_000);

    // 3 monitors, 40 runs each; one listener (the runner's) whatever the count, and each run its own signal.
    expect(recording.probes.length).toBeGreaterThanOrEqual(120);
    expect(new Set(recording.probes).size).toBe(recording.probes.length);
    expect(getEventListeners(schedulerSignal!, "abort")).toHaveLength(1);

    control.hang = true;
    await clock.advance(1_000);
    const underWay = recording.probes.slice(-3);
    expect(underWay.map((s) => s.aborted)).toEqual([false, false, false]);
    await scheduler.stop();
    expect(underWay.map((s) => s.aborted)).toEqual([true, true, true]);
    runner.stop();
  });

  it("counts a status change as its own when a proposal whose outcome it could not learn was committed", async () => {
    const statuses = new Map<string, "ok" | "critical">();
    const plugin = samplerPlugin("scripted", async (name) =>
      results.of(statuses.get(name) ?? "ok", "scripted"),
    );
    const changes: string[] = [];
    // The first status change of each monitor is committed, but its proposer hears only that the leader
    // changed meanwhile.
    const lost = new Set<string>();
    const lossy = (log: SqliteLog): ReplicatedLog => ({
      async propose(command) {
        const result = await log.propose(command);
        if (command.type !== "transition.record" || lost.has(command.monitor)) return result;
        lost.add(command.monitor);
        throw new AmstaffError(
          "AMS_ERR_LOG_OUTCOME_UNKNOWN",
          "Leadership changed while the command was in the log.",
        );
      },
      close: () => log.close(),
    });
    const { clock, machine, log, stop } = runnerOn([plugin], ({ log }) => ({
      log: lossy(log),
      observer: {
        sample() {},
        transition: (_module, monitor, from, to) => changes.push(`${monitor} ${from}→${to}`),
      },
    }));
    const def = definition("Shop", ["A", "B"]);
    def.monitors = def.monitors.map((m) => ({
      ...m,
      sampler: { plugin: "scripted", options: {} },
      schedule: { kind: "interval", every: "10s" },
    }));
    statuses.set("B", "critical");
    await log.propose(put(def));
    await clock.advance(10_000);
    // Committed, yet not counted: the node does not know yet.
    expect(machine.monitor("Shop", "A")?.status).toBe("ok");
    expect(machine.monitor("Shop", "B")?.status).toBe("critical");
    expect(changes).toEqual([]);

    // The next runs propose the same change again; the log refuses it, and the refusal tells.
    await clock.advance(10_000);
    expect(changes.sort()).toEqual(["A pending→ok", "B pending→critical"]);

    // A later change commits as usual, once.
    statuses.set("B", "ok");
    await clock.advance(10_000);
    expect(changes.sort()).toEqual(["A pending→ok", "B critical→ok", "B pending→critical"]);
    await stop();
  });

  it("reminds of the open incidents on its tick, and stops once an incident closes", async () => {
    const statuses = new Map<string, "ok" | "critical">();
    const plugin = samplerPlugin("scripted", async (name) =>
      results.of(statuses.get(name) ?? "ok", "scripted"),
    );
    const { clock, machine, log, stop } = runnerOn([plugin], () => ({ incidentTickMs: 5_000 }));
    const reminded: string[] = [];
    machine.onApply((command, result) => {
      if (command.type === "incident.remind" && result.ok) reminded.push(command.monitor);
    });
    const def = definition("Shop", ["A", "B", "C"]);
    // Sampling hourly, so only the tick can remind within the test.
    def.monitors = def.monitors.map((m) => ({
      ...m,
      sampler: { plugin: "scripted", options: {} },
      schedule: { kind: "interval", every: "1h" },
      renotifyMs: 60_000,
    }));
    statuses.set("B", "critical");
    await log.propose(put(def));
    await clock.advance(1_000);
    expect(machine.monitor("Shop", "B")?.incident).toBeDefined();
    expect(machine.monitor("Shop", "A")?.incident).toBeUndefined();

    await clock.advance(65_000);
    expect(reminded).toEqual(["B"]);
    await clock.advance(60_000);
    expect(reminded).toEqual(["B", "B"]);

    // B recovers on its next run; no reminder after that.
    statuses.set("B", "ok");
    await clock.advance(3_600_000 - 126_000);
    expect(machine.monitor("Shop", "B")?.incident).toBeUndefined();
    const before = reminded.length;
    await clock.advance(180_000);
    expect(reminded).toHaveLength(before);
    await stop();
  });

  it("resumes a module's monitors at their slots when its lease comes back, not all at once", async () => {
    const clock = new ManualClock();
    const okPlugin = defineSamplerPlugin({
      kind: "sampler",
      id: "ok",
      package: "ok",
      description: "always ok",
      options: z.object({}),
      builders: {},
      create: (_options, { name, tags }) => ({
        name,
        tags,
        probe: async () => ({ status: "ok", message: "fine", durationMs: 1, timestamp: clock.now() }),
      }),
    });
    let leased = true;
    const listeners = new Set<() => void>();
    const { log, scheduler, observations, stop } = runnerOn(
      [okPlugin],
      () => ({
        ownership: {
          mayRun: () => leased,
          fence: () => undefined,
          onChange: (listener) => {
            listeners.add(listener);
            return () => listeners.delete(listener);
          },
        },
      }),
      clock,
    );
    const def = definition("M", ["Up"]);
    def.monitors[0] = { ...def.monitors[0]!, sampler: { plugin: "ok", options: {} } };
    await log.propose(put(def));
    // The first run within a second, the next at the monitor's slot at least half an interval later.
    await clock.advance(1_000);
    const first = observations.get("M", "Up")!.lastRunAt;
    const slot = nextSlot(first + 15_000, 30_000, phaseOffset("M\u0000Up", 30_000));
    await clock.advance(slot - clock.now());
    expect(observations.get("M", "Up")!.lastRunAt).toBe(slot);

    // The lease lapses (a long stall, say) and comes back: the monitor keeps its slot.
    leased = false;
    for (const listener of listeners) listener();
    expect(scheduler.keys()).toEqual([]);
    expect(observations.get("M", "Up")).toBeUndefined();
    leased = true;
    for (const listener of listeners) listener();
    expect(scheduler.nextRunAt("M\u0000Up")).toBe(slot + 30_000);
    await stop();
  });
});
