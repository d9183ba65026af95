import { compareStatus, type PluginDescriptor } from "@amstaff/core";
import { z } from "zod";
import type { Observations } from "../runtime/observations.js";
import type { Scheduler } from "../runtime/scheduler.js";
import type { MonitorRecord, StoredModule } from "../state/commands.js";
import { monitorKey } from "../state/monitorKey.js";
import type { StateMachine } from "../state/stateMachine.js";

/** A monitor's open incident as the API shows it, or null. */
export function incidentView(record: MonitorRecord | undefined) {
  return record?.incident
    ? {
        key: record.incident.key,
        openedAt: record.incident.openedAt,
        acknowledged: record.incident.acknowledged ?? null,
      }
    : null;
}

/** When the scheduler runs a monitor next on this node, or null (not scheduled here). */
export function nextRunOf(scheduler: Scheduler, module: string, monitor: string): number | null {
  const nextRunAt = scheduler.nextRunAt(monitorKey(module, monitor));
  return nextRunAt !== undefined && Number.isFinite(nextRunAt) ? nextRunAt : null;
}

/** A module in `GET /modules`: what it is, without its source and definition. */
export function moduleSummary(m: StoredModule) {
  return {
    name: m.name,
    version: m.version,
    revision: m.revision,
    hash: m.hash,
    team: m.team,
    pushedBy: m.pushedBy,
    monitors: m.definition.monitors.map((d) => d.name),
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

/** The filters of `GET /monitors`; null: any. */
export interface MonitorFilter {
  module: string | null;
  team: string | null;
  status: string | null;
  tag: string | null;
}

/** `GET /monitors`: every monitor's status and last result, failing ones first. */
export function monitorsView(
  deps: { machine: StateMachine; observations: Observations; scheduler: Scheduler; now: number },
  filter: MonitorFilter,
) {
  const { machine, observations, scheduler, now } = deps;
  // Critical before warning before unknown, then ok and pending; stable within a status.
  return machine
    .modules()
    .flatMap((module) =>
      module.definition.monitors.map((definition) => {
        const record = machine.monitor(module.name, definition.name);
        const observed = observations.get(module.name, definition.name);
        return {
          module: module.name,
          team: module.team,
          monitor: definition.name,
          tags: definition.tags,
          status: record?.status ?? "pending",
          since: record?.since ?? null,
          flapping: record?.flapping === true,
          suppressed: machine.suppression(module, definition, now) ?? null,
          lastResult: observed?.lastResult ?? null,
          lastRunAt: observed?.lastRunAt ?? null,
          nextRunAt: nextRunOf(scheduler, module.name, definition.name),
          incident: incidentView(record),
        };
      }),
    )
    .filter(
      (m) =>
        (filter.module === null || m.module === filter.module) &&
        (filter.team === null || m.team === filter.team) &&
        (filter.status === null || m.status === filter.status) &&
        (filter.tag === null || m.tags.includes(filter.tag)),
    )
    .sort((a, b) => compareStatus(b.status, a.status));
}

/** `GET /deliveries`: every delivery still known, with the transition it notifies. */
export function deliveriesView(machine: StateMachine, filter: { module?: string; monitor?: string }) {
  return machine.deliveries(filter).map(({ handler, ...delivery }) => ({
    ...delivery,
    handler: handler.plugin,
    transition: machine.transition(delivery.transitionId),
  }));
}

/** A plugin's options as JSON Schema, for editors, docs and the dashboard. */
function optionsJsonSchema(plugin: PluginDescriptor): unknown {
  try {
    return z.toJSONSchema(plugin.options, { io: "input", unrepresentable: "any" });
  } catch {
    return null;
  }
}

/** A plugin in `GET /plugins`. */
export function pluginView(p: PluginDescriptor) {
  return {
    id: p.id,
    kind: p.kind,
    package: p.package,
    description: p.description,
    builders: Object.keys(p.builders),
    options: optionsJsonSchema(p),
  };
}
