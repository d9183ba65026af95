import type { MonitorDefinition } from "@amstaff/core";
import { incidentView } from "@amstaff/core";
import { decide } from "./alerting.js";
import { carryIncident, closeIncident } from "./incidents.js";
import { monitorDefinition } from "./monitorDefinitions.js";
import { monitorKey } from "./monitorKey.js";
import type { MonitorRecord, StoredModule, TransitionRecord } from "./records.js";
import type { Reducer, StateSlices } from "./reducer.js";
import { commitTransition, transitionsKeptPerMonitor } from "./transitions.js";

/** The committed status of every monitor of every module that exists, by {@link monitorKey}. */
export class MonitorStatuses {
  readonly #monitors = new Map<string, MonitorRecord>();
  /** The same records by module, then monitor name: a push reads its own module's, not the fleet's. */
  readonly #byModule = new Map<string, Map<string, MonitorRecord>>();

  /** One monitor's status, while its module has it. */
  get(module: string, monitor: string): MonitorRecord | undefined {
    return this.#monitors.get(monitorKey(module, monitor));
  }

  /** The monitors of one module, in the order they were added. */
  ofModule(module: string): MonitorRecord[] {
    return [...(this.#byModule.get(module)?.values() ?? [])];
  }

  /** Every monitor, in the order they were added, for a snapshot. */
  all(): MonitorRecord[] {
    return [...this.#monitors.values()];
  }

  /** Starts a monitor `pending`, unless it has a status already. */
  add(module: string, monitor: string): void {
    const key = monitorKey(module, monitor);
    if (!this.#monitors.has(key)) this.#index({ module, monitor, status: "pending" });
  }

  /** Drops a monitor's status; returns it, if it had one. */
  delete(module: string, monitor: string): MonitorRecord | undefined {
    const key = monitorKey(module, monitor);
    const record = this.#monitors.get(key);
    this.#monitors.delete(key);
    const ofModule = this.#byModule.get(module);
    ofModule?.delete(monitor);
    if (ofModule?.size === 0) this.#byModule.delete(module);
    return record;
  }

  /** Replaces every status by a snapshot's. */
  restore(monitors: MonitorRecord[]): void {
    this.#monitors.clear();
    this.#byModule.clear();
    for (const m of monitors) this.#index(m);
  }

  #index(record: MonitorRecord): void {
    this.#monitors.set(monitorKey(record.module, record.monitor), record);
    let ofModule = this.#byModule.get(record.module);
    if (ofModule === undefined) {
      ofModule = new Map();
      this.#byModule.set(record.module, ofModule);
    }
    ofModule.set(record.monitor, record);
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
    module: command.module,
    monitor: command.monitor,
    tags: definition.tags,
    // A resolve reads as the recovery of the whole incident (alerting says from what, since when).
    from: decision.from,
    to: command.to,
    since: command.since,
    previousSince: decision.previousSince ?? command.previousSince,
    result: command.result,
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
