import type { DeliveryReceipt, NotifyContext, SampleHandler, Transition } from "@amstaff/core";
import { sampleTransition as kitTransition, notifyContext } from "@amstaff/core/testing";

/**
 * The kit's {@link kitTransition sampleTransition} (ok → critical at 01:05 UTC), opening incident `inc-1`:
 * the key Slack's tests read back from message metadata and button values.
 */
export function sampleTransition(overrides: Partial<Transition> = {}): Transition {
  const alert = kitTransition();
  return kitTransition({ incident: { key: "inc-1", openedAt: alert.since }, ...overrides });
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
      notifyContext("slack", { idempotencyKey: `${transition.id}:slack`, receipt, ...overrides }),
    )) as DeliveryReceipt | undefined;
    if (key !== undefined && answer && !this.receipts.has(key)) this.receipts.set(key, answer);
    return answer;
  }
}
