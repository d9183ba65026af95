import {
  compareStatus,
  inScope,
  type MonitorDefinition,
  type MonitorStatus,
  type SampleStatus,
  type Silence,
} from "@amstaff/core";
import type { DeliveryRecord, IncidentRecord, TransitionRecord } from "./records.js";

/** What happened to an incident; see {@link IncidentEvent}. */
export type IncidentEventType =
  | "opened"
  | "worsened"
  | "improved"
  | "flapping"
  | "reminded"
  | "escalated"
  | "acknowledged"
  | "silenced"
  | "resolved";

/** One notification a handler was (or is being) sent for an event. */
export interface IncidentNotification {
  /** The handler's plugin id, e.g. `@amstaff/handler-slack`. */
  handler: string;
  status: DeliveryRecord["status"];
  attempts: number;
  deliveredAt: number | null;
  lastError: string | null;
}

/** Who acted on an incident: the name given (or the token's), and the token's team when it is known. */
export interface IncidentActor {
  name: string;
  team: string | null;
}

/**
 * One event of an incident's timeline, derived from the committed transitions (opened, status changes,
 * reminders, escalation stages, acknowledgements, the resolve) and from the silences that covered it.
 */
export interface IncidentEvent {
  type: IncidentEventType;
  at: number;
  /** The monitor's status after the event. */
  status: MonitorStatus;
  /** The probe's message, for a change of status. */
  message: string | null;
  /** Who acknowledged, or who set the silence. */
  by: IncidentActor | null;
  /** Why the event's alerts were held back (a maintenance window, a silence, a failing dependency). */
  suppressed: string | null;
  /** The silence, for `silenced`: its id, when it starts and ends, and why. */
  silence: { id: string; from: number; until: number; reason: string } | null;
  notifications: IncidentNotification[];
}

/** What the events of one incident are made from. */
export interface IncidentFacts {
  key: string;
  openedAt: number;
  /** The incident's kept transitions, oldest first (the opening one may have been pruned). */
  transitions: TransitionRecord[];
  /** The monitor's open incident, when this is it. */
  open: IncidentRecord | undefined;
  module: string;
  definition: Pick<MonitorDefinition, "name" | "tags">;
}

const notificationsOf = (deliveries: DeliveryRecord[]): IncidentNotification[] =>
  deliveries.map((d) => ({
    handler: d.handler.plugin,
    status: d.status,
    attempts: d.attempts,
    deliveredAt: d.deliveredAt ?? null,
    lastError: d.lastError ?? null,
  }));

/** When the incident was resolved: its resolve transition's time, or null while it is open. */
export function resolvedAt(facts: Pick<IncidentFacts, "transitions" | "open">): number | null {
  if (facts.open) return null;
  const last = facts.transitions.at(-1);
  return last?.to === "ok" && last.kind === "transition" ? last.at : (last?.at ?? null);
}

function transitionType(t: TransitionRecord, key: string, previous: MonitorStatus | undefined) {
  if (t.kind === "reminder") return "reminded";
  if (t.kind === "escalation") return "escalated";
  if (t.kind === "acknowledged") return "acknowledged";
  if (t.kind === "flapping") return "flapping";
  if (t.id === key) return "opened";
  if (t.to === "ok") return "resolved";
  return previous !== undefined && compareStatus(t.to, previous) < 0 ? "improved" : "worsened";
}

/**
 * The timeline of one incident, oldest first: each kept transition as an event with the notifications it
 * caused, and each silence of `silences` that covered the monitor while the incident was open. An
 * acknowledgement recorded before acknowledgements had a notice of their own still shows, without a team.
 */
export function incidentEvents(
  facts: IncidentFacts,
  deliveriesOf: (transitionId: string) => DeliveryRecord[],
  silences: Iterable<Silence>,
): IncidentEvent[] {
  const events: IncidentEvent[] = [];
  // Events not made from a transition take the status the monitor had then, once all are in order.
  const untimed = new Set<IncidentEvent>();
  let previous: MonitorStatus | undefined;
  for (const t of facts.transitions) {
    const type = transitionType(t, facts.key, previous);
    const acknowledged = t.incident?.acknowledged;
    events.push({
      type,
      at: t.at,
      status: t.to,
      message: type === "acknowledged" || type === "reminded" ? null : t.result.message,
      by:
        type === "acknowledged" && acknowledged
          ? { name: acknowledged.by, team: t.actor?.team ?? null }
          : null,
      suppressed: t.suppressed ?? null,
      silence: null,
      notifications: notificationsOf(deliveriesOf(t.id)),
    });
    previous = t.to;
  }
  const addUntimed = (event: IncidentEvent) => {
    untimed.add(event);
    events.push(event);
  };
  const acknowledgement = facts.open?.acknowledged ?? facts.transitions.at(-1)?.incident?.acknowledged;
  if (acknowledgement && !events.some((e) => e.type === "acknowledged" && e.at === acknowledgement.at)) {
    addUntimed({
      type: "acknowledged",
      at: acknowledgement.at,
      status: "unknown",
      message: null,
      by: { name: acknowledgement.by, team: null },
      suppressed: null,
      silence: null,
      notifications: [],
    });
  }
  const end = resolvedAt(facts) ?? Number.POSITIVE_INFINITY;
  for (const s of silences) {
    if (s.module !== undefined && s.module !== facts.module) continue;
    // A scheduled silence ended before it started (cancelled) never covered anything.
    if (s.until <= s.from || s.until <= facts.openedAt || s.from >= end) continue;
    if (!inScope(s.scope, facts.definition)) continue;
    addUntimed({
      type: "silenced",
      at: Math.max(s.from, facts.openedAt),
      status: "unknown",
      message: null,
      by: { name: s.by, team: null },
      suppressed: null,
      silence: { id: s.id, from: s.from, until: s.until, reason: s.reason },
      notifications: [],
    });
  }
  // Stable: events of one instant keep their log order.
  events.sort((a, b) => a.at - b.at);
  let current: MonitorStatus = events.find((e) => !untimed.has(e))?.status ?? "unknown";
  for (const e of events) {
    if (untimed.has(e)) e.status = current;
    else current = e.status;
  }
  return events;
}

/** The worst failing status an incident reached, as far as its kept transitions tell. */
export function worstOf(facts: Pick<IncidentFacts, "transitions" | "open">): SampleStatus {
  let worst: SampleStatus = facts.open?.worst ?? "unknown";
  for (const t of facts.transitions) {
    for (const s of [t.incident?.worst, t.to === "ok" ? undefined : t.to]) {
      if (s !== undefined && compareStatus(s, worst) > 0) worst = s;
    }
  }
  return worst;
}
