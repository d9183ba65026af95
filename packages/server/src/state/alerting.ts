import {
  type AlertDecision,
  type AlertEvent,
  type AlertState,
  decideAlerts,
  type MonitorDefinition,
  suppressionOf,
} from "@amstaff/core";
import type { MonitorRecord, StoredModule } from "./records.js";
import type { StateSlices } from "./reducer.js";

/**
 * Asks alerting (`decideAlerts` in @amstaff/core, the same code the offline simulator runs) who hears
 * of an event, with the suppression in force at the event's time.
 */
export function decide(
  state: StateSlices,
  module: StoredModule,
  definition: MonitorDefinition,
  record: MonitorRecord,
  event: AlertEvent,
): AlertDecision {
  return decideAlerts(
    alertState(record),
    event,
    definition,
    suppression(state, module, definition, event.at),
  );
}

/** A monitor's record as alerting reads it. */
export function alertState(record: MonitorRecord): AlertState {
  return {
    status: record.status,
    since: record.since,
    flapping: record.flapping,
    incident: record.incident,
  };
}

/** Why a monitor's alerts are held back at `at` (maintenance, a silence, a failing dependency), if they are. */
export function suppression(
  state: StateSlices,
  module: StoredModule,
  definition: MonitorDefinition,
  at: number,
): string | undefined {
  return suppressionOf(module.definition, definition, {
    at,
    silences: state.silences.all(),
    statusOf: (monitor) => state.monitors.get(module.definition.name, monitor)?.status,
  });
}
