import type { Transition } from "./transition.js";

/** What the server hands to a handler for each delivery attempt. */
export interface NotifyContext {
  /** Aborted when the attempt times out or the node shuts down. */
  signal: AbortSignal;
  /**
   * Stable across retries and failovers of the same delivery: send it where the receiver supports
   * deduplication (an `Idempotency-Key` header, OpsGenie's alias, ...).
   */
  idempotencyKey: string;
  /** 1 for the first attempt. */
  attempt: number;
}

/**
 * Reacts to a monitor's status changes: posts to Slack, sends an email, pages someone.
 *
 * A failed delivery throws an `AmstaffError` with code `AMS_ERR_DELIVERY_FAILED`; set `retryable: false`
 * when trying again cannot help (a 4xx other than 408/429), and `retryAfterMs` when the receiver said
 * how long to wait. The server retries with backoff and records every attempt.
 */
export interface SampleHandler {
  /** A short label for logs and the API, e.g. `"webhook https://hooks.example.com/…"`. No secrets. */
  readonly name: string;
  /** Delivers one transition. */
  notify(transition: Transition, context: NotifyContext): Promise<void>;
  /** Releases resources (connection pools, clients). */
  dispose?(): void | Promise<void>;
}
