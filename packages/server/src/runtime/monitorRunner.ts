import {
  describeError,
  evaluate,
  type MonitorDefinition,
  type MonitorState,
  type MonitorStatus,
  ProbeController,
  runProbe,
  type SampleResult,
  type Sampler,
  type StatusChange,
} from "@amstaff/core";
import type { Logger } from "pino";
import { moduleRequester } from "../access/secretBinding.js";
import type { Clock } from "../clock.js";
import type { Ownership } from "../cluster/ownership.js";
import type { PluginRegistry } from "../plugins/plugins.js";
import type { StoredModule } from "../state/commands.js";
import { monitorKey } from "../state/monitorKey.js";
import type { ReplicatedLog } from "../state/replicatedLog.js";
import type { StateMachine } from "../state/stateMachine.js";
import { IncidentTick } from "./incidentTick.js";
import type { Observations } from "./observations.js";
import { RunningMonitor } from "./runningMonitor.js";
import type { Scheduler } from "./scheduler.js";
import { BudgetedQueue } from "./turnBudget.js";

/** What a {@link MonitorRunner} works with. */
export interface MonitorRunnerDeps {
  machine: StateMachine;
  log: ReplicatedLog;
  plugins: PluginRegistry;
  scheduler: Scheduler;
  observations: Observations;
  clock: Clock;
  logger: Logger;
  /**
   * Which modules this node may run (the cluster's ownership and lease); absent: all of them. The runner
   * reconciles whenever it changes.
   */
  ownership?: Ownership | undefined;
  /**
   * How often open incidents are checked for reminders, escalation stages and alerts no longer held
   * back, besides after every sample (a monitor sampling hourly still escalates on time).
   * @default 5000
   */
  incidentTickMs?: number | undefined;
  /** Hears every sample this node takes and every status change it commits (history, metrics). */
  observer?: RunObserver | undefined;
}

/** What a {@link MonitorRunner} reports as it runs. Must not throw. */
export interface RunObserver {
  sample(module: string, monitor: string, result: SampleResult): void;
  transition(module: string, monitor: string, from: MonitorStatus, to: MonitorStatus): void;
}

interface QueuedStart {
  module: StoredModule;
  running: Running;
  definition: MonitorDefinition;
}

interface Running {
  version: number;
  monitors: Map<string, RunningMonitor>;
}

const jobKey = monitorKey;
// How long starting monitors may hold the event loop before other work runs.
const startBudgetMs = 10;

/**
 * Runs the modules of the state machine: keeps one scheduled job per monitor in step with the
 * committed modules (reconciling after every committed push or delete and every ownership change),
 * probes, folds each result into the monitor's status, and commits every status change to the log
 * before anyone is notified.
 */
export class MonitorRunner {
  readonly #deps: MonitorRunnerDeps;
  readonly #running = new Map<string, Running>();
  /** When monitors of modules this node stopped running (not deleted) last ran here, by job key. */
  readonly #ranHere = new Map<string, number>();
  readonly #incidents: IncidentTick;
  readonly #unsubscribe: (() => void)[];
  #followed: AbortSignal | undefined;
  /**
   * Monitors of started modules still to start, a slice per turn: 50,000 monitors take seconds to start,
   * longer than the lease that lets this node run them, which one loop that long would lose.
   */
  readonly #starts = new BudgetedQueue<QueuedStart>(startBudgetMs, ({ module, running, definition }) => {
    // Stopped or replaced while queued: nothing to start.
    if (this.#running.get(module.name) === running) this.#startMonitor(module, running, definition);
  });

  constructor(deps: MonitorRunnerDeps) {
    this.#deps = deps;
    this.#incidents = new IncidentTick(
      { ...deps, intervalMs: deps.incidentTickMs ?? 5_000 },
      {
        runs: (module) => this.#running.has(module),
        monitor: (module, monitor) => this.#running.get(module)?.monitors.get(monitor),
      },
    );
    this.#unsubscribe = [
      deps.machine.onApply((command) => {
        if (
          command.type === "module.put" ||
          command.type === "module.delete" ||
          command.type === "state.import"
        ) {
          this.reconcile();
        }
        if (command.type === "state.import") this.#noteAllIncidents();
        else if ("monitor" in command && typeof command.monitor === "string" && "module" in command)
          this.#incidents.note(command.module, command.monitor);
      }),
      ...(deps.ownership ? [deps.ownership.onChange(() => this.reconcile())] : []),
    ];
  }

  /** Proposes what is due for every open incident of the modules this node runs. */
  tickIncidents(): Promise<void> {
    return this.#incidents.tick();
  }

  #noteAllIncidents(): void {
    for (const [module, running] of this.#running) {
      for (const monitor of running.monitors.keys()) this.#incidents.note(module, monitor);
    }
  }

  /** Brings the running monitors in line with the committed modules. Idempotent. */
  reconcile(): void {
    const { machine } = this.#deps;
    const ownership = this.#deps.ownership;
    const wanted = new Map(
      machine
        .modules()
        .filter((m) => ownership?.mayRun(m.name) ?? true)
        .map((m) => [m.name, m]),
    );
    for (const [name, running] of this.#running) {
      const module = wanted.get(name);
      if (!module || module.version !== running.version) this.#stop(name, running, module);
    }
    for (const module of wanted.values()) {
      if (!this.#running.has(module.name)) this.#start(module);
    }
  }

  #start(module: StoredModule): void {
    const running: Running = { version: module.version, monitors: new Map() };
    this.#running.set(module.name, running);
    this.#starts.push(...module.definition.monitors.map((definition) => ({ module, running, definition })));
    this.#deps.logger.info(
      { module: module.name, version: module.version, monitors: module.definition.monitors.length },
      "module started",
    );
  }

  #startMonitor(module: StoredModule, running: Running, definition: MonitorDefinition): void {
    const { scheduler, machine, plugins, observations, logger } = this.#deps;
    const committed = machine.monitor(module.name, definition.name);
    const state: MonitorState = {
      status: committed?.status ?? "pending",
      since: committed?.since,
      flapping: committed?.flapping,
    };
    let sampler: Sampler | undefined;
    let setupError: string | undefined;
    try {
      sampler = plugins.createSampler(
        definition.sampler,
        { name: definition.name, tags: definition.tags },
        moduleRequester(machine, module.name),
      );
    } catch (error) {
      // A monitor that cannot start (a missing secret, a plugin gone from this node) reports unknown
      // on its schedule with the reason, rather than silently never running.
      setupError = describeError(error);
      logger.warn({ module: module.name, monitor: definition.name, err: setupError }, "monitor cannot start");
    }
    const key = jobKey(module.name, definition.name);
    if (committed?.incident) this.#incidents.note(module.name, definition.name);
    // A monitor that already ran on another node is overdue when its module fails over here: it runs
    // at once instead of within the first-run spread meant for a fresh push.
    const ranElsewhere = committed !== undefined && definition.schedule.kind === "interval";
    const ranHere = this.#ranHere.get(key);
    this.#ranHere.delete(key);
    const lastRunAt =
      observations.get(module.name, definition.name)?.lastRunAt ?? ranHere ?? (ranElsewhere ? 0 : undefined);
    const entry = new RunningMonitor(
      key,
      module,
      definition,
      sampler,
      setupError,
      state,
      lastRunAt,
      this.#run,
    );
    running.monitors.set(definition.name, entry);
    scheduler.add(key, entry);
  }

  /** Every monitor's scheduled run. */
  readonly #run = (entry: RunningMonitor, signal: AbortSignal): Promise<void> => {
    this.#follow(signal);
    return this.#sample(entry, signal);
  };

  /**
   * The scheduler's signal aborts the runs under way when it stops: followed once, by aborting every
   * monitor's probe, rather than joined with a signal of each monitor per run. `AbortSignal.any` would tie
   * every run's signal to both through WeakRefs and FinalizationRegistry cells, and a listener added to and
   * removed from a long-lived signal per run churns its listener table: both survive young-generation GCs,
   * hundreds of bytes promoted to the old generation per sample, thousands of samples a second.
   */
  #follow(signal: AbortSignal): void {
    if (this.#followed === signal) return;
    this.#followed = signal;
    signal.addEventListener(
      "abort",
      () => {
        for (const running of this.#running.values()) {
          for (const entry of running.monitors.values()) entry.probe?.abort(signal.reason);
        }
      },
      { once: true },
    );
  }

  #stop(name: string, running: Running, replacement: StoredModule | undefined): void {
    const { scheduler, observations, logger, machine } = this.#deps;
    const kept = new Set(replacement?.definition.monitors.map((m) => m.name));
    // When this node stops running a module that still exists (its lease lapsed, the module moved), it
    // remembers when each monitor last ran here: if the module comes back, its monitors resume at their
    // slots instead of all at once.
    const movedAway = replacement === undefined && machine.module(name) !== undefined;
    const reason = new Error("monitor removed");
    for (const [monitor, entry] of running.monitors) {
      const { key } = entry;
      scheduler.remove(key);
      this.#incidents.forget(key);
      // The scheduler leaves a run under way to finish: a runaway probe of a deleted module must not.
      entry.removed = true;
      entry.probe?.abort(reason);
      if (entry.sampler?.dispose) void Promise.resolve(entry.sampler.dispose()).catch(() => {});
      const lastRunAt = observations.get(name, monitor)?.lastRunAt;
      if (movedAway && lastRunAt !== undefined) this.#ranHere.set(key, lastRunAt);
      else this.#ranHere.delete(key);
      if (!kept.has(monitor)) observations.forget(name, monitor);
    }
    this.#running.delete(name);
    logger.info(
      { module: name, version: running.version },
      replacement ? "module replaced" : "module stopped",
    );
  }

  // Few variables in the function that waits for the probe: an async function keeps all of its registers
  // for as long as it waits, and thousands wait at once. What follows the probe is in #record and #commit.
  async #sample(entry: RunningMonitor, stopped: AbortSignal): Promise<void> {
    const { ownership } = this.#deps;
    // Checked before every probe, not only when the lease timer fires: a node that lost its lease or
    // the module never starts another probe.
    if (entry.removed || (ownership && !ownership.mayRun(entry.module.name))) return;
    // The sampler gets this controller itself (not a signal joined to it per probe), so the probe's
    // timeout aborts it too: whether the run still counts is read from the monitor and the scheduler below.
    // A `ProbeController`, not an `AbortController`: no signal nor listeners unless the sampler reads one.
    const probe = new ProbeController();
    entry.probe = probe;
    let result: SampleResult;
    try {
      result = entry.sampler
        ? await runProbe(entry.sampler, {
            timeoutMs: entry.definition.timeoutMs,
            controller: probe,
            now: this.#deps.clock.now,
          })
        : {
            status: "unknown",
            message: `${entry.definition.name}: cannot run: ${entry.setupError}`,
            durationMs: 0,
            timestamp: this.#deps.clock.now(),
          };
    } finally {
      if (entry.probe === probe) entry.probe = undefined;
    }
    const recorded = this.#record(entry, stopped, result);
    if (recorded) await recorded;
  }

  /** Records a sample and folds it into the monitor's status: a promise only while something is proposed. */
  #record(entry: RunningMonitor, stopped: AbortSignal, result: SampleResult): Promise<void> | undefined {
    const { module, definition } = entry;
    // Removed or replaced (`#stop`), or the scheduler stopped (`#follow`): what it found no longer counts.
    if (entry.removed || stopped.aborted || this.#running.get(module.name)?.version !== module.version)
      return undefined;
    this.#deps.observations.record(module.name, definition.name, result);
    this.#deps.observer?.sample(module.name, definition.name, result);
    // The definition is its own evaluation policy (the same fields): no policy object per sample.
    const { state, change } = evaluate(entry.state, result, definition);
    if (!change) {
      entry.state = state;
      return this.#incidents.sampled(entry);
    }
    return this.#commit(entry, state, change, result);
  }

  /** Commits a status change to the log before anyone is notified. */
  async #commit(
    entry: RunningMonitor,
    state: MonitorState,
    change: StatusChange,
    result: SampleResult,
  ): Promise<void> {
    const { module, definition } = entry;
    const { clock, log, logger, ownership } = this.#deps;
    try {
      const applied = await log.propose({
        type: "transition.record",
        module: module.name,
        monitor: definition.name,
        moduleVersion: module.version,
        from: change.from,
        to: change.to,
        since: change.since,
        previousSince: change.previousSince,
        flapping: change.flapping,
        result,
        ...ownership?.fence(module.name),
        at: clock.now(),
      });
      const unsure = entry.unsure;
      entry.unsure = undefined;
      if (applied.ok) {
        entry.state = state;
        this.#changed(module, definition, change);
      } else {
        // The committed status moved under us; start again from it.
        const committed = this.#deps.machine.monitor(module.name, definition.name);
        entry.state = {
          status: committed?.status ?? "pending",
          since: committed?.since,
          flapping: committed?.flapping,
          recent: state.recent,
        };
        if (unsure && committed?.status === unsure.to && committed.since === unsure.since) {
          // By our own earlier proposal, whose outcome we could not learn: its change is this node's.
          this.#changed(module, definition, unsure);
        } else {
          logger.warn(
            { module: module.name, monitor: definition.name, reason: applied.reason },
            "transition refused",
          );
        }
      }
    } catch (error) {
      // Not known to be committed: keep the old state so the next sample proposes the change again, and
      // remember this one: if it was committed after all, that proposal is refused and tells.
      entry.unsure = change;
      logger.error(
        { module: module.name, monitor: definition.name, err: describeError(error) },
        "could not commit transition",
      );
    }
  }

  /** A status change of a monitor this node runs, committed by this node's proposal. */
  #changed(module: StoredModule, definition: MonitorDefinition, change: StatusChange): void {
    this.#deps.observer?.transition(module.name, definition.name, change.from, change.to);
    this.#deps.logger.info(
      { module: module.name, monitor: definition.name, from: change.from, to: change.to },
      "status changed",
    );
  }

  /** Stops every monitor and stops listening for changes (the scheduler itself is stopped by its owner). */
  stop(): void {
    this.#starts.close();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#incidents.stop();
    for (const [name, running] of [...this.#running])
      this.#stop(name, running, this.#deps.machine.module(name));
  }
}
