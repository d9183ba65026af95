import { createHash } from "node:crypto";
import {
  decideAlerts,
  type HandlerSpec,
  incidentView,
  type MonitorDefinition,
  type SampleStatus,
} from "@amstaff/core";
import { alertState, decide } from "./alerting.js";
import { monitorDefinition } from "./monitorDefinitions.js";
import type { DeliveryRecord, IncidentRecord, MonitorRecord, TransitionRecord } from "./records.js";
import type { CommandOf, Reducer, StateSlices } from "./reducer.js";
import { refuseOtherTeams } from "./teamRights.js";
import { commitTransition, transitionsKeptPerMonitor } from "./transitions.js";

const handlerIdentity = (handler: HandlerSpec) =>
  JSON.stringify({ plugin: handler.plugin, options: handler.options });

/**
 * An open incident across a re-push of its monitor: handlers are matched by plugin and options (their
 * positions may move); one that heard of the incident and is gone keeps its spec in `departed`, so it
 * still gets the resolve.
 */
export function carryIncident(
  incident: IncidentRecord,
  before: MonitorDefinition,
  after: MonitorDefinition,
): IncidentRecord {
  const positions = new Map<string, number>();
  after.handlers.forEach((handler, i) => {
    const id = handlerIdentity(handler);
    if (!positions.has(id)) positions.set(id, i);
  });
  const moved = (indices: readonly number[] | undefined) =>
    (indices ?? []).flatMap((i) => {
      const handler = before.handlers[i];
      const to = handler && positions.get(handlerIdentity(handler));
      return to === undefined ? [] : [to];
    });
  const departed = [
    ...(incident.departed ?? []),
    ...incident.notified.flatMap((i) => {
      const handler = before.handlers[i];
      return handler && !positions.has(handlerIdentity(handler)) ? [{ index: i, handler }] : [];
    }),
  ];
  const held = moved(incident.held);
  return {
    ...incident,
    notified: [...new Set(moved(incident.notified))].sort((a, b) => a - b),
    held: held.length > 0 ? [...new Set(held)].sort((a, b) => a - b) : undefined,
    departed: departed.length > 0 ? departed : undefined,
  };
}

/**
 * Closes the open incident of a monitor removed from its module (`record` is its last status): a
 * resolve transition goes to every handler that heard of it, removed ones included.
 */
export function closeIncident(
  state: StateSlices,
  record: MonitorRecord,
  definition: MonitorDefinition,
  index: number,
  at: number,
): void {
  const { module, monitor, incident } = record;
  // Any open incident closes, a flapping one whose settled status is ok included.
  if (!incident) return;
  const closed = decideAlerts(alertState(record), { type: "close", at }, definition);
  const transition: TransitionRecord = {
    id: `${state.transitionId(index)}-${createHash("sha256").update(monitor).digest("hex").slice(0, 8)}`,
    module,
    monitor,
    tags: definition.tags,
    from: closed.from,
    to: "ok",
    since: at,
    previousSince: closed.previousSince,
    result: {
      status: "ok",
      message: `"${monitor}" was removed from module "${module}": its incident is closed`,
      durationMs: 0,
      timestamp: at,
    },
    incident: incidentView(incident),
    kind: "transition",
    at,
  };
  commitTransition(state, transition, definition, closed.notify, incident.departed);
}

/**
 * `incident.remind`: time passed for an open incident (reminders, escalation stages, alerts held back
 * by a suppression that has ended). Refused when nothing is due.
 */
export const remindIncident: Reducer<"incident.remind"> = (state, command, index) => {
  const module = state.modules.get(command.module);
  const definition = monitorDefinition(module?.definition, command.monitor);
  const record = state.monitors.get(command.module, command.monitor);
  const incident = record?.incident;
  if (!module || !definition || !record || !incident || incident.key !== command.incident) {
    return { ok: false, reason: `incident ${command.incident} is not open` };
  }
  if (incident.acknowledged) return { ok: false, reason: `incident ${command.incident} is acknowledged` };
  const stale = state.members.stale(command.module, command);
  if (stale) return { ok: false, reason: stale };
  const decision = decide(state, module, definition, record, { type: "tick", at: command.at });
  if (decision.notify.length === 0) {
    return { ok: false, reason: `incident ${command.incident} has nothing due` };
  }
  const transition = standingNotice(state, record, incident, definition, {
    id: state.transitionId(index),
    kind: decision.kind,
    at: command.at,
  });
  record.incident = decision.state.incident;
  const deliveries = commitTransition(state, transition, definition, decision.notify);
  state.transitions.prune(command.module, command.monitor, transitionsKeptPerMonitor, state.deliveries);
  return { ok: true, transition, deliveries };
};

/**
 * `incident.ack`: someone takes an open incident (reminders and escalation stop). With `incident`,
 * only that one: a stale button cannot acknowledge a newer incident.
 */
export const acknowledgeIncident: Reducer<"incident.ack"> = (state, command, index) => {
  const refused = refuseOtherTeams(command.actor, command.module, "acknowledge", state.modules);
  if (refused) return refused;
  const record = state.monitors.get(command.module, command.monitor);
  const incident = record?.incident;
  if (!record || !incident || (command.incident !== undefined && command.incident !== incident.key)) {
    return {
      ok: false,
      reason: `no open incident${command.incident ? ` ${command.incident}` : ""} on "${command.monitor}"`,
    };
  }
  if (incident.acknowledged)
    return { ok: false, reason: `already acknowledged by ${incident.acknowledged.by}` };
  // Alerting records what the acknowledgement covers (the worst status so far).
  const definition = monitorDefinition(state.modules.get(command.module)?.definition, command.monitor);
  const acknowledged = decideAlerts(
    alertState(record),
    { type: "ack", by: command.by, at: command.at },
    definition ?? { handlers: [] },
  ).state.incident?.acknowledged;
  incident.acknowledged = acknowledged ?? { by: command.by, at: command.at };
  const by = command.actor && command.by !== command.actor.name ? ` (by ${command.by})` : "";
  state.audit.record(index, command.at, "incident.ack", command.actor ?? { name: command.by }, {
    target: command.module,
    teams: [state.modules.teamOf(command.module)],
    detail: `${command.monitor}${by}`,
  });
  if (!definition) return { ok: true, incident };
  const { transition, deliveries } = announceAcknowledgement(state, record, definition, index, command);
  return { ok: true, incident, transition, deliveries };
};

/**
 * The `acknowledged` notice of an acknowledgement: always recorded, with the token that acknowledged, so
 * the incident's timeline says who took it (the incident itself keeps only the latest acknowledgement).
 * It is delivered to the handlers that heard of the incident and opt in (`notifyOn: { acknowledged: true }`,
 * a pager that stops paging at once); the others learn of it with the incident's next notification.
 */
function announceAcknowledgement(
  state: StateSlices,
  record: MonitorRecord,
  definition: MonitorDefinition,
  index: number,
  command: CommandOf<"incident.ack">,
): { transition: TransitionRecord; deliveries: DeliveryRecord[] } {
  const incident = record.incident!;
  const notify = incident.notified.filter((i) => definition.handlers[i]?.notifyOn?.acknowledged);
  const transition = standingNotice(state, record, incident, definition, {
    id: state.transitionId(index),
    kind: "acknowledged",
    at: command.at,
  });
  if (command.actor) transition.actor = command.actor;
  const deliveries = commitTransition(state, transition, definition, notify);
  state.transitions.prune(record.module, record.monitor, transitionsKeptPerMonitor, state.deliveries);
  return { transition, deliveries };
}

/**
 * A notification about an open incident's current status (a reminder, an escalation, an
 * acknowledgement): `from` and `to` are both that status, with the last transition's sample.
 */
function standingNotice(
  state: StateSlices,
  record: MonitorRecord,
  incident: IncidentRecord,
  definition: MonitorDefinition,
  notice: Pick<TransitionRecord, "id" | "kind" | "at">,
): TransitionRecord {
  const { at } = notice;
  const status = record.status as SampleStatus;
  const last = record.lastTransitionId ? state.transitions.get(record.lastTransitionId) : undefined;
  return {
    id: notice.id,
    module: record.module,
    monitor: record.monitor,
    tags: definition.tags,
    from: status,
    to: status,
    since: record.since ?? at,
    previousSince: last?.previousSince,
    result: last?.result ?? { status, message: `still ${status}`, durationMs: 0, timestamp: at },
    incident: incidentView(incident),
    kind: notice.kind,
    at,
  };
}
