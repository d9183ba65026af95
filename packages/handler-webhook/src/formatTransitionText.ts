import { formatDuration, recoveryOf, type Transition } from "@amstaff/core";

function isoSeconds(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * One human-readable line describing a notification, as sent in the payload's `text` field, e.g.
 * `[CRITICAL] User Service / Health-Check: HTTP 500 from GET http://api/health (was OK since 2026-11-24T01:00:00Z)`.
 * Other kinds say what they are: `[CRITICAL] Reminder: … (failing since …)`,
 * `[CRITICAL] Escalated: … (failing since …, not acknowledged)`, `[FLAPPING] … (now OK)`, and a resolve
 * the recovery of the incident: `[OK] …: HTTP 200 (recovered from CRITICAL after 1h 5m, failing since …)`.
 *
 * @example
 * ```ts
 * await chat.post(formatTransitionText(transition));
 * ```
 */
export function formatTransitionText(transition: Transition): string {
  const message = transition.result.message.replace(/\s+/g, " ").trim();
  const to = transition.to.toUpperCase();
  const name = `${transition.module} / ${transition.monitor}`;
  const failingSince = `failing since ${isoSeconds(transition.incident?.openedAt ?? transition.since)}`;
  const line = (head: string, note: string) => `${head}${message === "" ? "" : `: ${message}`} (${note})`;
  switch (transition.kind) {
    case "reminder":
      return line(`[${to}] Reminder: ${name}`, failingSince);
    case "escalation":
      return line(`[${to}] Escalated: ${name}`, `${failingSince}, not acknowledged`);
    case "flapping":
      return line(`[FLAPPING] ${name}`, `now ${to}`);
    default: {
      const recovery = recoveryOf(transition);
      if (recovery) {
        // The recovery of the whole incident, also after flapping (never "was OK").
        const from = recovery.from ? ` from ${recovery.from.toUpperCase()}` : "";
        const lasted =
          recovery.durationMs === undefined ? "" : ` after ${formatDuration(recovery.durationMs)}`;
        const opened =
          recovery.openedAt === undefined ? "" : `, failing since ${isoSeconds(recovery.openedAt)}`;
        return line(`[${to}] ${name}`, `recovered${from}${lasted}${opened}`);
      }
      // Only the end of flapping sends a change whose status is the one before.
      if (transition.from === transition.to) return line(`[${to}] ${name}`, "no longer flapping");
      const was =
        transition.previousSince === undefined
          ? `was ${transition.from.toUpperCase()}`
          : `was ${transition.from.toUpperCase()} since ${isoSeconds(transition.previousSince)}`;
      return line(`[${to}] ${name}`, was);
    }
  }
}
