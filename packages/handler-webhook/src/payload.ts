import {
  type NotificationGroup,
  type NotificationKind,
  type Recovery,
  recoveryOf,
  type Transition,
} from "@amstaff/core";
import { formatTransitionText } from "./formatTransitionText.js";

/**
 * The JSON body of every webhook request. A stable contract: fields are only ever added; a breaking
 * change would come with a new `version`.
 */
export interface WebhookPayload {
  /** The payload format's version. */
  version: 1;
  /** What happened; always `"transition"` in version 1. */
  type: "transition";
  /** The same on every retry of this delivery, also sent as the `idempotency-key` header: dedupe on it. */
  idempotencyKey: string;
  /**
   * The transition as Amstaff recorded it, with its `kind` always set: `transition` (a change of status;
   * to `ok`, the resolve), `reminder`, `escalation` (this handler hears of an open incident for the first
   * time), `flapping` (`to` is the current status, `flapping` is `true`) or `acknowledged` (with
   * `notifyOn: { acknowledged: true }`).
   */
  transition: Transition & { kind: NotificationKind };
  /** One human-readable line, see {@link formatTransitionText}. */
  text: string;
  /**
   * Set on a resolve only: what the incident recovers from — its worst status, when it opened, how long
   * it lasted (see `recoveryOf` in @amstaff/core).
   */
  recovery?: Recovery | undefined;
}

/** Builds the payload sent for a transition. */
export function buildWebhookPayload(transition: Transition, idempotencyKey: string): WebhookPayload {
  const recovery = recoveryOf(transition);
  return {
    version: 1,
    type: "transition",
    idempotencyKey,
    // Receivers switch on the kind: absent means a change of status, and the payload says so.
    transition: { ...transition, kind: transition.kind ?? "transition" },
    text: formatTransitionText(transition),
    ...(recovery && { recovery }),
  };
}

/**
 * The JSON body of a grouped request (a handler with `group`): one request for a burst, each of its
 * notifications as a single request's payload would be.
 */
export interface WebhookGroupPayload {
  /** The payload format's version. */
  version: 1;
  /** Tells a group from a single transition's payload. */
  type: "group";
  /** The same on every retry of this group, also sent as the `idempotency-key` header: dedupe on it. */
  idempotencyKey: string;
  /** The values the notifications are grouped by (`{ "module": "shop" }`) and the group's stable key. */
  group: { key: string; labels: Record<string, string> };
  /** In the order they were committed, each with its own `idempotencyKey`. */
  notifications: WebhookPayload[];
  /** One line per notification. */
  text: string;
}

/** Builds the payload sent for a group of notifications. */
export function buildWebhookGroupPayload(
  group: NotificationGroup,
  idempotencyKey: string,
): WebhookGroupPayload {
  const notifications = group.notifications.map((n) => buildWebhookPayload(n.transition, n.idempotencyKey));
  return {
    version: 1,
    type: "group",
    idempotencyKey,
    group: { key: group.key, labels: group.labels },
    notifications,
    text: notifications.map((n) => n.text).join("\n"),
  };
}
