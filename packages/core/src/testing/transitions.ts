import type { Transition } from "../transition.js";

/** When {@link sampleTransition}'s monitor was last ok: 2026-11-24T01:00:00Z. */
export const sampleTransitionStart = Date.parse("2026-11-24T01:00:00Z");

const failedAt = sampleTransitionStart + 5 * 60_000;

/**
 * A transition like the server hands to handlers: "Health-Check" in module "User Service" goes from ok
 * (since 01:00 UTC on 2026-11-24) to critical at 01:05, opening incident `inc-42`. Fixed values, so a test
 * can assert the exact text or request a handler makes of it.
 *
 * @param overrides - fields to replace (`incident: undefined` for a transition outside any incident)
 * @example
 * ```ts
 * await handler.notify(sampleTransition({ to: "warning" }), notifyContext());
 * ```
 */
export function sampleTransition(overrides: Partial<Transition> = {}): Transition {
  return {
    id: "tr-0001",
    module: "User Service",
    monitor: "Health-Check",
    tags: ["production", "team8"],
    from: "ok",
    to: "critical",
    since: failedAt,
    previousSince: sampleTransitionStart,
    result: {
      status: "critical",
      message: "HTTP 500 from GET http://user-service/health",
      value: 12.5,
      durationMs: 13,
      timestamp: failedAt,
    },
    incident: { key: "inc-42", openedAt: failedAt },
    ...overrides,
  };
}

/**
 * The recovery of `alert`'s incident, 65 minutes after it: the same monitor and incident, from `alert.to`
 * to ok, with an ok result.
 *
 * @param alert - the transition that opened the incident, usually a {@link sampleTransition}
 * @param overrides - fields to replace
 */
export function recoveryOf(alert: Transition, overrides: Partial<Transition> = {}): Transition {
  return {
    ...alert,
    id: `${alert.id}-ok`,
    from: alert.to,
    to: "ok",
    previousSince: alert.since,
    since: alert.since + 65 * 60_000,
    result: {
      status: "ok",
      message: "HTTP 200 from GET http://user-service/health",
      value: 9,
      durationMs: 9,
      timestamp: alert.since + 65 * 60_000,
    },
    ...overrides,
  };
}
