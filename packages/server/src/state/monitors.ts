import type { MonitorDefinition, SampleResult } from "@amstaff/core";
import { incidentView } from "@amstaff/core";
import { decide } from "./alerting.js";
import { ByMonitor } from "./byMonitor.js";
import { carryIncident, closeIncident } from "./incidents.js";
import { monitorDefinition } from "./monitorDefinitions.js";
import type { MonitorRecord, StoredModule, TransitionRecord } from "./records.js";
import type { Reducer, StateSlices } from "./reducer.js";
import { commitTransition, type TransitionLog, transitionsKeptPerMonitor } from "./transitions.js";

/** The committed status of every monitor of every module that exists, by module, then monitor name. */
export class MonitorStatuses {
  readonly #records = new ByMonitor<MonitorRecord>();

  /** One monitor's status, while its module has it. */
  get(module: string, monitor: string): MonitorRecord | undefined {
    return this.#records.get(module, monitor);
  }

  /** The monitors of one module, in the order they were added: a push reads its own module's, not the fleet's. */
  ofModule(module: string): MonitorRecord[] {
    return [...this.#records.ofModule(module).values()];
  }

  /** Every monitor, module by module (each in the order its monitors were added), for a snapshot. */
  all(): MonitorRecord[] {
    return [...this.#records.values()];
  }

  /**
   * Starts a monitor `pending`, unless it has a status already. Every field a record ever gets is in the
   * literal: fields added later would go to a property array of their own (64 bytes a monitor).
   */
  add(module: string, monitor: string): void {
    if (!this.get(module, monitor))
      this.#records.set(module, monitor, {
        module,
        monitor,
        status: "pending",
        since: undefined,
        flapping: undefined,
        lastTransitionId: undefined,
        incident: undefined,
      });
  }

  /** Drops a monitor's status; returns it, if it had one. */
  delete(module: string, monitor: string): MonitorRecord | undefined {
    return this.#records.delete(module, monitor);
  }

  /** Replaces every status by a snapshot's. */
  restore(monitors: MonitorRecord[]): void {
    this.#records.clear();
    for (const m of monitors) this.#records.set(m.module, m.monitor, m);
  }
}

/**
 * Brings a module's monitors in line with its new version. Monitors that survive a re-push keep their
 * status, so re-deploying a module does not re-alert; removed ones are forgotten; new ones start pending.
 */
export function reconcileMonitors(
  state: StateSlices,
  previous: StoredModule | undefined,
  module: StoredModule,
  index: number,
  at: number,
): void {
  const { name, definition } = module;
  for (const record of state.monitors.ofModule(name)) {
    const before = monitorDefinition(previous?.definition, record.monitor);
    const after = monitorDefinition(definition, record.monitor);
    if (!after) forgetMonitor(state, name, record.monitor, before, index, at);
    else if (before && record.incident) record.incident = carryIncident(record.incident, before, after);
  }
  for (const monitor of definition.monitors) state.monitors.add(name, monitor.name);
}

/**
 * Drops a monitor's status; its transitions stay until their deliveries settle. A monitor removed
 * with an open incident closes it: every handler that heard of it gets its resolve.
 */
export function forgetMonitor(
  state: StateSlices,
  module: string,
  monitor: string,
  definition: MonitorDefinition | undefined,
  index: number,
  at: number,
): void {
  const record = state.monitors.delete(module, monitor);
  if (record && definition) closeIncident(state, record, definition, index, at);
  state.transitions.prune(module, monitor, 0, state.deliveries);
}

/**
 * `transition.record`: a monitor's owner commits a status change. Refused from a replaced module
 * version, a stale owner, or a status the monitor is no longer in; alerting decides who hears of it.
 */
export const recordTransition: Reducer<"transition.record"> = (state, command, index) => {
  const module = state.modules.get(command.module);
  if (!module || module.version !== command.moduleVersion) {
    return { ok: false, reason: `stale module version ${command.moduleVersion} for "${command.module}"` };
  }
  const stale = state.members.stale(command.module, command);
  if (stale) return { ok: false, reason: stale };
  const definition = monitorDefinition(module.definition, command.monitor);
  const record = state.monitors.get(command.module, command.monitor);
  if (!definition || !record) return { ok: false, reason: `unknown monitor "${command.monitor}"` };
  if (record.status !== command.from) {
    return { ok: false, reason: `monitor is ${record.status}, not ${command.from}` };
  }
  if (command.to === command.from && command.flapping === (record.flapping === true)) {
    return { ok: false, reason: `monitor is already ${record.status}` };
  }
  const id = state.transitionId(index);
  const decision = decide(state, module, definition, record, {
    type: "change",
    to: command.to,
    since: command.since,
    flapping: command.flapping,
    at: command.at,
    key: id,
  });
  const incident = decision.state.incident ?? record.incident;
  const transition: TransitionRecord = {
    id,
    // The names and the result's strings as the state has them already, not the command's copies.
    module: record.module,
    monitor: record.monitor,
    tags: definition.tags,
    // A resolve reads as the recovery of the whole incident (alerting says from what, since when).
    from: decision.from,
    to: command.to,
    since: command.since,
    previousSince: decision.previousSince ?? command.previousSince,
    result: withSharedStrings(command.result, definition, state.transitions),
    // An incident lives from the first failure (or flap) to the resolve, which still belongs to it.
    incident: incident && incidentView(incident),
    kind: decision.kind,
    ...(command.flapping && { flapping: true }),
    ...(decision.suppressed !== undefined && { suppressed: decision.suppressed }),
    at: command.at,
  };
  record.status = command.to;
  record.since = command.since;
  record.flapping = command.flapping || undefined;
  record.lastTransitionId = transition.id;
  // A closing incident's resolve also goes to handlers a later push removed (they heard of it).
  const departed = decision.state.incident ? undefined : record.incident?.departed;
  record.incident = decision.state.incident;
  const deliveries = commitTransition(state, transition, definition, decision.notify, departed);
  state.transitions.prune(command.module, command.monitor, transitionsKeptPerMonitor, state.deliveries);
  return { ok: true, transition, deliveries };
};

/**
 * The result with its message shared with equal ones ({@link TransitionLog.sharedMessage}), and each
 * string of its details that equals a string option of the monitor's sampler (an HTTP probe's `url`)
 * replaced by the definition's: the same text, kept once instead of once more per monitor.
 */
function withSharedStrings(
  result: SampleResult,
  definition: MonitorDefinition,
  transitions: TransitionLog,
): SampleResult {
  result.message = transitions.sharedMessage(result.message);
  const { details } = result;
  const options = definition.sampler.options;
  if (details === undefined || typeof options !== "object" || options === null) return result;
  const known = new Map<string, string>();
  for (const value of Object.values(options)) if (typeof value === "string") known.set(value, value);
  for (const [key, value] of Object.entries(details)) {
    const shared = typeof value === "string" ? known.get(value) : undefined;
    if (shared !== undefined) details[key] = shared;
  }
  return result;
}
