import type { Transition } from "@amstaff/core";

function isoSeconds(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * One human-readable line describing a transition, as sent in the payload's `text` field, e.g.
 * `[CRITICAL] User Service / Health-Check: HTTP 500 from GET http://api/health (was OK since 2026-11-24T01:00:00Z)`.
 *
 * @example
 * ```ts
 * await chat.post(formatTransitionText(transition));
 * ```
 */
export function formatTransitionText(transition: Transition): string {
  const message = transition.result.message.replace(/\s+/g, " ").trim();
  const was =
    transition.previousSince === undefined
      ? `was ${transition.from.toUpperCase()}`
      : `was ${transition.from.toUpperCase()} since ${isoSeconds(transition.previousSince)}`;
  const head = `[${transition.to.toUpperCase()}] ${transition.module} / ${transition.monitor}`;
  return `${head}${message === "" ? "" : `: ${message}`} (${was})`;
}
