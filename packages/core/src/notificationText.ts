import { recoveryOf } from "./recovery.js";
import type { Transition } from "./transition.js";

/**
 * The default title template of a chat notification, worded for its kind: `{{TO}}: {{module}} / {{monitor}}`,
 * `Still …` for a reminder, `… (escalated)`, `FLAPPING: … (now {{TO}})`, and `RESOLVED: …` for a recovery.
 * Handlers render it with `renderTemplate`, like a user's own title.
 *
 * @example
 * ```ts
 * renderTemplate(options.title ?? defaultTitleTemplate(transition), transition); // "CRITICAL: Shop / Checkout"
 * ```
 */
export function defaultTitleTemplate(transition: Transition): string {
  if (recoveryOf(transition)) return "RESOLVED: {{module}} / {{monitor}}";
  switch (transition.kind) {
    case "reminder":
      return "Still {{TO}}: {{module}} / {{monitor}}";
    case "escalation":
      return "{{TO}} (escalated): {{module}} / {{monitor}}";
    case "flapping":
      return "FLAPPING: {{module}} / {{monitor}} (now {{TO}})";
    default:
      return "{{TO}}: {{module}} / {{monitor}}";
  }
}

/**
 * The default body template of a chat notification: the sampler's message, and for a recovery what it
 * recovered from and after how long.
 *
 * @example
 * ```ts
 * renderTemplate(defaultMessageTemplate(transition), transition); // "Recovered from CRITICAL after 5m: HTTP 200"
 * ```
 */
export function defaultMessageTemplate(transition: Transition): string {
  // The recovery of the whole incident; what is not known is left out rather than read as "from OK".
  const recovery = recoveryOf(transition);
  if (!recovery) return "{{message}}";
  if (recovery.durationMs === undefined) return "Recovered: {{message}}";
  return recovery.from === undefined
    ? "Recovered after {{duration}}: {{message}}"
    : "Recovered from {{FROM}} after {{duration}}: {{message}}";
}

/**
 * The status of a notification in a few words, e.g. `critical (was ok for 3h)`, `warning (still)`,
 * `critical (escalated, not acknowledged)`, `flapping, now warning`, `ok (was critical for 5m)`.
 *
 * @param duration - how long the previous status lasted, as `templateValues(transition).duration` words it
 */
export function statusSummary(transition: Transition, duration: string): string {
  const { from, to } = transition;
  const recovery = recoveryOf(transition);
  if (recovery)
    return recovery.from ? `ok (was ${recovery.from}${duration ? ` for ${duration}` : ""})` : "ok";
  switch (transition.kind) {
    case "reminder":
      return `${to} (still)`;
    case "escalation":
      return `${to} (escalated, not acknowledged)`;
    case "flapping":
      return `flapping, now ${to}`;
    default:
      if (from === "pending") return `${to} (first status)`;
      if (from === to) return `${to} (no longer flapping)`;
      return `${to} (was ${from}${duration ? ` for ${duration}` : ""})`;
  }
}
