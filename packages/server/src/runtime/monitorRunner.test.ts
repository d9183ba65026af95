import { getEventListeners } from "node:events";
import { defineSamplerPlugin, results, type SampleResult } from "@amstaff/core";
import Database from "better-sqlite3";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { definition, put } from "../__tests__/fixtures.js";
import { ManualClock } from "../__tests__/manualClock.js";
import type { Ownership } from "../cluster/ownership.js";
import { PluginRegistry } from "../plugins/plugins.js";
import { SqliteLog } from "../state/sqliteLog.js";
import { StateMachine } from "../state/stateMachine.js";
import { MonitorRunner } from "./monitorRunner.js";
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

describe("MonitorRunner", () => {
  it("aborts the probe under way and disposes the sampler when its module is deleted", async () => {
    const clock = new ManualClock();
    const hanging = hangingPlugin();
    const machine = new StateMachine();
    const db = new Database(":memory:");
    const log = new SqliteLog(db, machine);
    const scheduler = new Scheduler({ clock });
    const runner = new MonitorRunner({
      machine,
      log,
      plugins: new PluginRegistry([hanging.plugin]),
      scheduler,
      observations: new Observations(db),
      clock,
      logger: pino({ level: "silent" }),
    });
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
    runner.stop();
    await scheduler.stop();
  });

  it("follows pushes and ownership changes until it stops, and nothing after", async () => {
    const clock = new ManualClock();
    const hanging = hangingPlugin();
    const machine = new StateMachine();
    const db = new Database(":memory:");
    const log = new SqliteLog(db, machine);
    const scheduler = new Scheduler({ clock });
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
    const runner = new MonitorRunner({
      machine,
      log,
      plugins: new PluginRegistry([hanging.plugin]),
      scheduler,
      observations: new Observations(db),
      clock,
      logger: pino({ level: "silent" }),
      ownership,
    });
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
    const clock = new ManualClock();
    const control = { hang: false };
    const recording = hangingPlugin(control);
    const machine = new StateMachine();
    const db = new Database(":memory:");
    const log = new SqliteLog(db, machine);
    const scheduler = new Scheduler({ clock });
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
    const runner = new MonitorRunner({
      machine,
      log,
      plugins: new PluginRegistry([recording.plugin]),
      scheduler,
      observations: new Observations(db),
      clock,
      logger: pino({ level: "silent" }),
      incidentTickMs: 3_600_000,
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

  it("reminds of the open incidents on its tick, and stops once an incident closes", async () => {
    const clock = new ManualClock();
    const statuses = new Map<string, "ok" | "critical">();
    const plugin = samplerPlugin("scripted", async (name) =>
      results.of(statuses.get(name) ?? "ok", "scripted"),
    );
    const machine = new StateMachine();
    const db = new Database(":memory:");
    const log = new SqliteLog(db, machine);
    const scheduler = new Scheduler({ clock });
    const runner = new MonitorRunner({
      machine,
      log,
      plugins: new PluginRegistry([plugin]),
      scheduler,
      observations: new Observations(db),
      clock,
      logger: pino({ level: "silent" }),
      incidentTickMs: 5_000,
    });
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
    runner.stop();
    await scheduler.stop();
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
    const machine = new StateMachine();
    const db = new Database(":memory:");
    const log = new SqliteLog(db, machine);
    const scheduler = new Scheduler({ clock });
    const observations = new Observations(db);
    let leased = true;
    const listeners = new Set<() => void>();
    const runner = new MonitorRunner({
      machine,
      log,
      plugins: new PluginRegistry([okPlugin]),
      scheduler,
      observations,
      clock,
      logger: pino({ level: "silent" }),
      ownership: {
        mayRun: () => leased,
        fence: () => undefined,
        onChange: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
    });
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
    runner.stop();
    await scheduler.stop();
  });
});
