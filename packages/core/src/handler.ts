import type { JsonValue } from "./sampleResult.js";
import type { Transition } from "./transition.js";

/**
 * What a handler may return from a delivery, to be stored with it: a Slack message's channel and `ts`,
 * an OpsGenie request id. Later deliveries of the same incident to the same handler receive it back
 * (see {@link NotifyContext.receipt}), so a recovery can be posted in the alert's thread.
 */
export type DeliveryReceipt = Record<string, JsonValue>;

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
  /** The receipt of this handler's first delivery for the same incident, if it returned one. */
  receipt?: DeliveryReceipt | undefined;
}

/** One notification of a {@link NotificationGroup}. */
export interface GroupedNotification {
  transition: Transition;
  /** This notification's own idempotency key (what `notify` would have been given). */
  idempotencyKey: string;
  /** The receipt of this handler's first delivery for the same incident, if it returned one. */
  receipt?: DeliveryReceipt | undefined;
}

/** Notifications a grouping handler sends as one message (see `HandlerSpec.group`). */
export interface NotificationGroup {
  /** Stable for the group's life: the module, the handler and the grouped-by values. */
  key: string;
  /** The values the group is grouped by (`{ module: "shop" }`, `{ "tag:team": "payments" }`). */
  labels: Record<string, string>;
  /** In the order they were committed; at least one. */
  notifications: GroupedNotification[];
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
  /** Delivers one transition; may return a receipt to keep with the delivery. */
  // biome-ignore lint/suspicious/noConfusingVoidType: `void`, not `undefined`: an `async notify() {}` that returns nothing must fit.
  notify(transition: Transition, context: NotifyContext): Promise<void | DeliveryReceipt>;
  /**
   * Delivers a group of notifications as one message (a grouping handler's `group` option). Optional:
   * without it, the server calls `notify` once per notification, each with its own idempotency key.
   * The receipt it returns is kept for each incident of the group.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: as for `notify`, an async method that returns nothing must fit.
  notifyGroup?(group: NotificationGroup, context: NotifyContext): Promise<void | DeliveryReceipt>;
  /** Releases resources (connection pools, clients). */
  dispose?(): void | Promise<void>;
}
