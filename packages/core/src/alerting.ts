import type { Route } from "./moduleDefinition.js";
import { isFailing, type MonitorStatus, type SampleStatus } from "./status.js";
import type { NotificationKind } from "./transition.js";

/** How one handler takes part in alerting: its route and its escalation delay. */
export interface HandlerRouting {
  /** Which changes it hears about; see `only()`. */
  on?: Route | undefined;
  /** An escalation stage: it hears of an incident only once it has been open this long, unacknowledged. */
  afterMs?: number | undefined;
}

/** The notification-facing half of an alert policy. */
export interface AlertPolicy {
  /** The monitor's handlers, in order: notifications name them by index. */
  handlers: readonly HandlerRouting[];
  /** While an incident stays open and unacknowledged, remind its handlers this often. */
  renotifyMs?: number | undefined;
}

/** An open incident, as alerting tracks it. */
export interface IncidentState {
  /** Stable for the incident's whole life. */
  key: string;
  openedAt: number;
  /** The handlers (by index) that were sent an alert of it: they, and only they, get its resolve. */
  notified: number[];
  /** When its handlers were last notified, for re-notify. */
  lastNotifiedAt: number;
  /** Handlers (by index) an alert was held back from while suppressed: they hear of it once it no longer is. */
  held?: number[] | undefined;
  acknowledged?: { by: string; at: number } | undefined;
}

/** What alerting remembers of one monitor. */
export interface AlertState {
  status: MonitorStatus;
  since?: number | undefined;
  flapping?: boolean | undefined;
  /** Open while the monitor is failing or flapping. */
  incident?: IncidentState | undefined;
}

/** Something that happened to a monitor, as alerting sees it. */
export type AlertEvent =
  | {
      /** A committed change of status or of flapping (from `evaluate`). */
      type: "change";
      to: SampleStatus;
      since: number;
      flapping: boolean;
      at: number;
      /** The key a new incident takes (unique cluster-wide: the transition's id). */
      key: string;
    }
  | {
      /** Time passed: reminders, escalation stages, and alerts held back that no longer are. */
      type: "tick";
      at: number;
    }
  | { type: "ack"; by: string; at: number };

/** What to send, decided by {@link decideAlerts}. */
export interface AlertDecision {
  state: AlertState;
  /** The handlers to notify, by index; empty when nothing is sent. */
  notify: number[];
  kind: NotificationKind;
  /** The status before the event. */
  from: MonitorStatus;
  /** Why alerts were held back, when they were. A resolve is never held back. */
  suppressed?: string | undefined;
}

const allows = (handler: HandlerRouting, from: MonitorStatus, to: SampleStatus) =>
  (!handler.on?.from || handler.on.from.includes(from)) && (!handler.on?.to || handler.on.to.includes(to));

/** Whether a handler hears of failures at all (a route limited to `to: ["ok"]` does not). */
const hearsFailures = (handler: HandlerRouting) => !handler.on?.to || handler.on.to.some((s) => s !== "ok");

const due = (handler: HandlerRouting, incident: IncidentState, at: number) =>
  handler.afterMs === undefined || at >= incident.openedAt + handler.afterMs;

/**
 * Decides who hears of an event. Pure and deterministic: the server's state machine and
 * `@amstaff/dsl/testing`'s simulator both call it, so what a test proves is what the cluster does.
 *
 * The rules, in the order they matter to an on-call engineer:
 * 1. Nothing is sent without an incident, and an incident opens only with a committed change to a
 *    failing status or into flapping.
 * 2. Every handler sent an alert of an incident gets exactly one resolve, when the monitor is ok (and
 *    not flapping) again — whatever was suppressed, acknowledged or re-routed in between. Handlers
 *    that were never alerted get no resolve.
 * 3. `suppressed` (a maintenance window, a silence, a failing dependency) holds back alerts, reminders
 *    and escalations, never a resolve. A handler held back hears of the incident (`escalation`) on the
 *    first tick after the suppression ends, if the incident is still open and unacknowledged.
 * 4. While flapping, status changes are recorded but not sent: one `flapping` notification announces
 *    it, and the status it settles on when it stops is sent as a change.
 * 5. Acknowledging stops reminders and escalation stages, never status changes or the resolve.
 */
export function decideAlerts(
  state: AlertState,
  event: AlertEvent,
  policy: AlertPolicy,
  suppressed?: string,
): AlertDecision {
  const from = state.status;
  const handlers = policy.handlers.map((handler, index) => ({ handler, index }));
  const send = (
    next: AlertState,
    notify: number[],
    kind: NotificationKind,
    at: number,
    reason?: string,
  ): AlertDecision => {
    const incident = next.incident;
    if (incident && notify.length > 0) {
      next.incident = {
        ...incident,
        notified: [...new Set([...incident.notified, ...notify])].sort((a, b) => a - b),
        lastNotifiedAt: at,
      };
    }
    return { state: next, notify, kind, from, ...(reason !== undefined && { suppressed: reason }) };
  };

  if (event.type === "ack") {
    if (!state.incident) return { state, notify: [], kind: "transition", from };
    return {
      state: { ...state, incident: { ...state.incident, acknowledged: { by: event.by, at: event.at } } },
      notify: [],
      kind: "transition",
      from,
    };
  }

  if (event.type === "tick") {
    const incident = state.incident;
    if (!incident || incident.acknowledged || state.flapping || !isFailing(state.status) || suppressed) {
      return { state, notify: [], kind: "reminder", from, ...(suppressed !== undefined && { suppressed }) };
    }
    const status = state.status as SampleStatus;
    const routed = (handler: HandlerRouting) => !handler.on?.to || handler.on.to.includes(status);
    // First news of the incident for: handlers an alert was held back from, and escalation stages
    // whose time came.
    const fresh = handlers
      .filter(
        ({ handler, index }) =>
          !incident.notified.includes(index) &&
          routed(handler) &&
          (incident.held?.includes(index) ||
            (handler.afterMs !== undefined && hearsFailures(handler) && due(handler, incident, event.at))),
      )
      .map(({ index }) => index);
    if (fresh.length > 0) {
      const held = incident.held?.filter((i) => !fresh.includes(i));
      return send(
        { ...state, incident: { ...incident, held: held?.length ? held : undefined } },
        fresh,
        "escalation",
        event.at,
      );
    }
    if (policy.renotifyMs !== undefined && event.at >= incident.lastNotifiedAt + policy.renotifyMs) {
      const again = incident.notified.filter((i) => {
        const handler = policy.handlers[i];
        return handler !== undefined && routed(handler);
      });
      if (again.length > 0) return send({ ...state }, again, "reminder", event.at);
    }
    return { state, notify: [], kind: "reminder", from };
  }

  const { to, at } = event;
  const failing = isFailing(to) || event.flapping;
  const next: AlertState = { status: to, since: event.since, flapping: event.flapping || undefined };
  if (!failing) {
    // The resolve: exactly the handlers that were alerted, suppressed or not.
    return send(next, state.incident?.notified ?? [], "transition", at);
  }
  const incident: IncidentState = state.incident ?? {
    key: event.key,
    openedAt: event.flapping && !isFailing(to) ? at : event.since,
    notified: [],
    lastNotifiedAt: at,
  };
  next.incident = incident;
  let kind: NotificationKind = "transition";
  let notify: number[];
  if (event.flapping && state.flapping) {
    notify = [];
  } else if (event.flapping) {
    // Starting to flap: one announcement to every handler that would hear of a failure now.
    kind = "flapping";
    notify = handlers
      .filter(({ handler }) => hearsFailures(handler) && due(handler, incident, at))
      .map(({ index }) => index);
  } else {
    notify = handlers
      .filter(
        ({ handler, index }) =>
          allows(handler, from, to) &&
          (incident.notified.includes(index) || (due(handler, incident, at) && !incident.acknowledged)),
      )
      .map(({ index }) => index);
  }
  if (suppressed !== undefined) {
    const held = notify.filter((i) => !incident.notified.includes(i));
    next.incident = {
      ...incident,
      held: [...new Set([...(incident.held ?? []), ...held])].sort((a, b) => a - b),
    };
    return send(next, [], kind, at, suppressed);
  }
  return send(next, notify, kind, at);
}
