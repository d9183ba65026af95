import { type NotificationKind, type Recovery, recoveryOf, type Transition } from "@amstaff/core";
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
   * time) or `flapping` (`to` is the current status, `flapping` is `true`).
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
