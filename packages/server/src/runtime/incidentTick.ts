import { decideAlerts, describeError, type MonitorDefinition } from "@amstaff/core";
import type { Logger } from "pino";
import type { Clock } from "../clock.js";
import type { Ownership } from "../cluster/ownership.js";
import type { StoredModule } from "../state/commands.js";
import { monitorKey } from "../state/monitorKey.js";
import type { ReplicatedLog } from "../state/replicatedLog.js";
import type { StateMachine } from "../state/stateMachine.js";
import type { RunningMonitor } from "./runningMonitor.js";
import { turnBudget } from "./turnBudget.js";

/** What an {@link IncidentTick} works with: the runner's own dependencies. */
export interface IncidentTickDeps {
  machine: StateMachine;
  log: ReplicatedLog;
  clock: Clock;
  logger: Logger;
  ownership?: Ownership | undefined;
  /** How often open incidents are checked. */
  intervalMs: number;
}

/** The monitors a runner runs, as the incident check looks them up. */
export interface RunningMonitors {
  /** Whether this node runs `module` (any version). */
  runs(module: string): boolean;
  /** The monitor of `module` running now; undefined while it waits to start. */
  monitor(module: string, monitor: string): RunningMonitor | undefined;
}

// How long the incident check may hold the event loop before other work runs.
const tickBudgetMs = 4;

/**
 * Reminders, escalation stages and alerts no longer held back, for the open incidents of the monitors a
 * runner runs: checked every `intervalMs` (a monitor sampling hourly still escalates on time) and after
 * every sample of a monitor with an open incident, and proposed as `incident.remind` when due.
 */
export class IncidentTick {
  readonly #deps: IncidentTickDeps;
  readonly #running: RunningMonitors;
  /**
   * The monitors this node runs whose committed record had an open incident when last looked at, by job
   * key: the check walks these, not every monitor (50,000 every 5 s). Kept by the commands that concern a
   * monitor and by starting one; an entry whose incident closed goes at the next check.
   */
  readonly #withIncident = new Map<string, { module: string; monitor: string }>();
  #timer: unknown;
  #ticking = false;
  #stopped = false;

  constructor(deps: IncidentTickDeps, running: RunningMonitors) {
    this.#deps = deps;
    this.#running = running;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#deps.clock.setTimeout(() => {
      void this.tick().finally(() => this.#schedule());
    }, this.#deps.intervalMs);
  }

  /** Proposes what is due for every open incident of the modules this node runs. */
  async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      // Thousands of open incidents (an outage) take milliseconds to check: a slice at a time.
      const pause = turnBudget(tickBudgetMs);
      for (const [key, { module: name, monitor }] of [...this.#withIncident]) {
        if (!this.#deps.machine.monitor(name, monitor)?.incident || !this.#running.runs(name)) {
          this.#withIncident.delete(key);
          continue;
        }
        const module = this.#deps.machine.module(name);
        const entry = this.#running.monitor(name, monitor);
        // A monitor still waiting to start, or of a version being replaced: its start looks again.
        if (!module || !entry || module.version !== entry.module.version) continue;
        await this.#tickIfDue(module, entry.definition);
        await pause();
      }
    } finally {
      this.#ticking = false;
    }
  }

  /** Looks again at whether a monitor of a module this node runs has an open incident. */
  note(module: string, monitor: string): void {
    if (!this.#running.runs(module)) return;
    const key = monitorKey(module, monitor);
    if (this.#deps.machine.monitor(module, monitor)?.incident)
      this.#withIncident.set(key, { module, monitor });
    else this.#withIncident.delete(key);
  }

  /** Forgets a monitor this node stops running. */
  forget(key: string): void {
    this.#withIncident.delete(key);
  }

  /** After a sample that changed no status: proposes what is due if the monitor has an open incident (the promise), else nothing. */
  sampled(entry: RunningMonitor): Promise<void> | undefined {
    // Without an open incident there is nothing to remind of (the index follows every command), and no
    // promise is made: this runs after every sample.
    if (this.#withIncident.has(entry.key)) return this.#tickIfDue(entry.module, entry.definition);
    return undefined;
  }

  /**
   * Proposes a tick for an open incident when something is due: a reminder, an escalation stage, or
   * an alert held back by a suppression that ended. The check runs the state machine's own pure
   * decision on the committed state, so nothing is proposed that the log would refuse.
   */
  async #tickIfDue(module: StoredModule, definition: MonitorDefinition): Promise<void> {
    const { machine, log, clock, logger, ownership } = this.#deps;
    if (ownership && !ownership.mayRun(module.name)) return;
    const record = machine.monitor(module.name, definition.name);
    const incident = record?.incident;
    if (!record || !incident || incident.acknowledged) return;
    const now = clock.now();
    const decision = decideAlerts(
      { status: record.status, since: record.since, flapping: record.flapping, incident },
      { type: "tick", at: now },
      definition,
      machine.suppression(module, definition, now),
    );
    if (decision.notify.length === 0) return;
    try {
      await log.propose({
        type: "incident.remind",
        module: module.name,
        monitor: definition.name,
        incident: incident.key,
        ...ownership?.fence(module.name),
        at: now,
      });
    } catch (error) {
      logger.error(
        { module: module.name, monitor: definition.name, err: describeError(error) },
        "could not commit reminder",
      );
    }
  }

  /** Stops the periodic check. */
  stop(): void {
    this.#stopped = true;
    this.#deps.clock.clearTimeout(this.#timer);
  }
}
