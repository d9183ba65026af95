import type { Route } from "./moduleDefinition.js";
import { compareStatus, isFailing, type MonitorStatus, type SampleStatus } from "./status.js";
import type { Incident, NotificationKind } from "./transition.js";

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

/** Who acknowledged an incident, when, and the worst status the acknowledgement covers. */
export interface Acknowledgement {
  by: string;
  at: number;
  /**
   * The worst status the incident had reached when it was acknowledged: the acknowledgement covers it
   * and every milder status. A change to a worse status ends the acknowledgement. Absent in records
   * written before it existed: then it covers the incident's worst status.
   */
  status?: SampleStatus | undefined;
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
  acknowledged?: Acknowledgement | undefined;
  /** The worst failing status the incident reached, flapping included. Absent in older records. */
  worst?: SampleStatus | undefined;
  /**
   * When escalation stages start counting: the incident's opening, or the last change that ended an
   * acknowledgement by getting worse than it covered. Absent: `openedAt`.
   */
  armedAt?: number | undefined;
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
  | { type: "ack"; by: string; at: number }
  | {
      /** The incident closes without a sample: its monitor or module was removed. */
      type: "close";
      at: number;
    };

/** What to send, decided by {@link decideAlerts}. */
export interface AlertDecision {
  state: AlertState;
  /** The handlers to notify, by index; empty when nothing is sent. */
  notify: number[];
  kind: NotificationKind;
  /**
   * The status the notification reads as coming from: the status before the event, except for a
   * resolve, which reads as the recovery of the whole incident, from its worst status.
   */
  from: MonitorStatus;
  /**
   * Set on a resolve (a change that closes an incident): when the incident opened, for the
   * notification's `previousSince`, so that "was CRITICAL for 1h 5m" is the incident's duration.
   */
  previousSince?: number | undefined;
  /** Why alerts were held back, when they were. A resolve is never held back. */
  suppressed?: string | undefined;
}

const allows = (handler: HandlerRouting, from: MonitorStatus, to: SampleStatus) =>
  (!handler.on?.from || handler.on.from.includes(from)) && (!handler.on?.to || handler.on.to.includes(to));

/** Whether a handler hears of failures at all (a route limited to `to: ["ok"]` does not). */
const hearsFailures = (handler: HandlerRouting) => !handler.on?.to || handler.on.to.some((s) => s !== "ok");

const due = (handler: HandlerRouting, incident: IncidentState, at: number) =>
  handler.afterMs === undefined || at >= (incident.armedAt ?? incident.openedAt) + handler.afterMs;

/** The worst failing status an incident reached, if it reached one (older records: the monitor's status). */
const knownWorst = (state: AlertState): SampleStatus | undefined =>
  state.incident?.worst ?? (isFailing(state.status) ? (state.status as SampleStatus) : undefined);

/**
 * The worst status an open incident reached: what its resolve reads as recovering from. An incident
 * that only ever flapped while its settled status stayed `ok` never had a failing status the cluster
 * could tell: it reads as `unknown`.
 */
export function incidentWorst(state: AlertState): SampleStatus {
  return knownWorst(state) ?? "unknown";
}

/** What handlers are told of an incident (see `Transition.incident`), from what alerting tracks. */
export function incidentView(incident: IncidentState): Incident {
  return {
    key: incident.key,
    openedAt: incident.openedAt,
    ...(incident.acknowledged && { acknowledged: incident.acknowledged }),
    ...(incident.worst !== undefined && { worst: incident.worst }),
  };
}

const worse = (a: SampleStatus | undefined, b: SampleStatus) =>
  a === undefined || compareStatus(b, a) > 0 ? b : a;

/**
 * Decides who hears of an event. Pure and deterministic: the server's state machine and
 * `@amstaff/dsl/testing`'s simulator both call it, so what a test proves is what the cluster does.
 *
 * The rules, in the order they matter to an on-call engineer:
 * 1. Nothing is sent without an incident, and an incident opens only with a committed change to a
 *    failing status or into flapping.
 * 2. Every handler sent an alert of an incident gets exactly one resolve, when the monitor is ok (and
 *    not flapping) again, or when the monitor is removed (`close`) — whatever was suppressed,
 *    acknowledged or re-routed in between. Handlers that were never alerted get no resolve. A resolve
 *    reads as the recovery of the whole incident: from its worst status (see {@link incidentWorst}),
 *    with `previousSince` the incident's opening.
 * 3. `suppressed` (a maintenance window, a silence, a failing dependency) holds back alerts, reminders
 *    and escalations, never a resolve. A handler held back hears of the incident (`escalation`) on the
 *    first tick after the suppression ends, if the incident is still open and unacknowledged.
 * 4. While flapping, status changes are recorded but not sent: one `flapping` notification announces
 *    it, and the status it settles on when it stops is sent as a change.
 * 5. An acknowledgement covers the worst status the incident had reached when it was given, and every
 *    milder one. While it holds: no reminders, no escalation stages, no alert held back by a
 *    suppression, and no handler hears of the incident for the first time (a fall in severity, or
 *    flapping, reaches only the handlers that already heard). Status changes still reach the handlers
 *    that heard, and the resolve always does. A second acknowledgement changes nothing.
 * 6. A change to a status worse than the acknowledgement covers ends it: the new status is routed as
 *    if there had been no acknowledgement (its handlers hear it, and so get the resolve), reminders
 *    resume, and escalation stages not yet reached count again from that change. Acknowledge again to
 *    stop them.
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
  /** The resolve of the open incident: to every handler that heard of it, as its recovery. */
  const resolve = (next: AlertState, incident: IncidentState): AlertDecision => ({
    state: next,
    notify: incident.notified,
    kind: "transition",
    from: incidentWorst(state),
    previousSince: incident.openedAt,
  });

  if (event.type === "ack") {
    const incident = state.incident;
    if (!incident || incident.acknowledged) return { state, notify: [], kind: "transition", from };
    const acknowledged = { by: event.by, at: event.at, status: incidentWorst(state) };
    return {
      state: { ...state, incident: { ...incident, acknowledged } },
      notify: [],
      kind: "transition",
      from,
    };
  }

  if (event.type === "close") {
    const { incident: _closed, ...rest } = state;
    if (!state.incident) return { state, notify: [], kind: "transition", from };
    return resolve(rest, state.incident);
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
    return state.incident ? resolve(next, state.incident) : send(next, [], "transition", at);
  }
  let incident: IncidentState = state.incident ?? {
    key: event.key,
    openedAt: event.flapping && !isFailing(to) ? at : event.since,
    notified: [],
    lastNotifiedAt: at,
  };
  const worstBefore = state.incident ? knownWorst(state) : undefined;
  if (isFailing(to)) incident = { ...incident, worst: worse(worstBefore, to) };
  const ack = incident.acknowledged;
  if (ack && isFailing(to) && compareStatus(to, ack.status ?? worstBefore ?? to) > 0) {
    // Worse than anyone acknowledged: people who were not told must be, as if there were no ack.
    const { acknowledged: _lapsed, ...rest } = incident;
    incident = { ...rest, armedAt: at };
  }
  next.incident = incident;
  const firstNews = (handler: HandlerRouting, index: number) =>
    incident.notified.includes(index) || (due(handler, incident, at) && !incident.acknowledged);
  let kind: NotificationKind = "transition";
  let notify: number[];
  if (event.flapping && state.flapping) {
    notify = [];
  } else if (event.flapping) {
    // Starting to flap: one announcement to every handler that would hear of a failure now.
    kind = "flapping";
    notify = handlers
      .filter(({ handler, index }) => hearsFailures(handler) && firstNews(handler, index))
      .map(({ index }) => index);
  } else {
    notify = handlers
      .filter(({ handler, index }) => allows(handler, from, to) && firstNews(handler, index))
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
