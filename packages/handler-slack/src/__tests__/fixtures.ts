import type { DeliveryReceipt, NotifyContext, SampleHandler, Transition } from "@amstaff/core";

export const t0 = Date.parse("2026-11-24T01:00:00Z");

/** A transition like the server hands to handlers: ok → critical, opening incident `inc-1`. */
export function sampleTransition(overrides: Partial<Transition> = {}): Transition {
  return {
    id: "tr-0001",
    module: "User Service",
    monitor: "Health-Check",
    tags: ["production", "team8"],
    from: "ok",
    to: "critical",
    since: t0 + 5 * 60_000,
    previousSince: t0,
    result: {
      status: "critical",
      message: "HTTP 500 from GET http://user-service/health",
      value: 12.5,
      durationMs: 13,
      timestamp: t0 + 5 * 60_000,
    },
    incident: { key: "inc-1", openedAt: t0 + 5 * 60_000 },
    ...overrides,
  };
}

/** The recovery of {@link sampleTransition}'s incident. */
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

/** A notify context for attempt `attempt`. */
export function context(overrides: Partial<NotifyContext> = {}): NotifyContext {
  return {
    signal: new AbortController().signal,
    idempotencyKey: "tr-0001:slack:0",
    attempt: 1,
    ...overrides,
  };
}

/**
 * What the server does around a handler: one idempotency key per transition, and the receipt of the first
 * delivery of an incident handed back to every later delivery of the same incident.
 */
export class ServerSimulation {
  readonly receipts = new Map<string, DeliveryReceipt>();
  constructor(private readonly handler: SampleHandler) {}

  async deliver(
    transition: Transition,
    overrides: Partial<NotifyContext> = {},
  ): Promise<DeliveryReceipt | undefined> {
    const key = transition.incident?.key;
    const receipt = key === undefined ? undefined : this.receipts.get(key);
    const answer = (await this.handler.notify(
      transition,
      context({ idempotencyKey: `${transition.id}:slack`, receipt, ...overrides }),
    )) as DeliveryReceipt | undefined;
    if (key !== undefined && answer && !this.receipts.has(key)) this.receipts.set(key, answer);
    return answer;
  }
}
