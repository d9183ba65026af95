import {
  type DeliveryReceipt,
  describeError,
  isAmstaffError,
  type SampleHandler,
  type Transition,
} from "@amstaff/core";
import type { Logger } from "pino";
import type { Clock } from "./clock.js";
import type { DeliveryRecord } from "./commands.js";
import type { Ownership } from "./monitorRunner.js";
import type { PluginRegistry } from "./plugins.js";
import type { ReplicatedLog } from "./replicatedLog.js";
import { moduleRequester } from "./secretBinding.js";
import type { StateMachine } from "./stateMachine.js";

/** How deliveries are retried. */
export interface RetryPolicy {
  /** The first retry waits up to this long; each next one up to twice as long. @default 1000 */
  baseDelayMs: number;
  /** No wait is longer than this (a receiver's `Retry-After` included). @default 300000 */
  maxDelayMs: number;
  /** Attempts before a delivery is marked failed. @default 12 */
  maxAttempts: number;
  /** Time limit of one attempt. @default 15000 */
  attemptTimeoutMs: number;
}

/** The default {@link RetryPolicy}: about an hour of retries before giving up. */
export const defaultRetryPolicy: RetryPolicy = {
  baseDelayMs: 1_000,
  maxDelayMs: 300_000,
  maxAttempts: 12,
  attemptTimeoutMs: 15_000,
};

/** What a {@link DeliveryWorker} works with. */
export interface DeliveryWorkerDeps {
  machine: StateMachine;
  log: ReplicatedLog;
  plugins: PluginRegistry;
  clock: Clock;
  logger: Logger;
  retry?: Partial<RetryPolicy>;
  random?: () => number;
  /** The server's public base URL, for links in notifications. */
  publicUrl?: string | undefined;
  /** Which modules' deliveries this node makes (the owner's); absent: all of them. */
  ownership?: Ownership | undefined;
  /** Hears the outcome and duration of every attempt (metrics). Must not throw. */
  onAttempt?:
    | ((plugin: string, outcome: "delivered" | "retrying" | "failed", durationMs: number) => void)
    | undefined;
}

/**
 * Delivers committed transitions to their handlers. A delivery exists in the log before its first
 * attempt and every attempt's outcome is committed, so after a restart or failover the pending ones
 * resume and the delivered ones are never sent again. The one window left — a handler that succeeded
 * just before the node died, before the success was committed — is closed downstream by the
 * idempotency key, which is the same for every attempt of a delivery.
 */
export class DeliveryWorker {
  readonly #deps: DeliveryWorkerDeps;
  readonly #policy: RetryPolicy;
  readonly #random: () => number;
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #handlers = new Map<string, SampleHandler>();
  readonly #controller = new AbortController();
  #timer: unknown;

  constructor(deps: DeliveryWorkerDeps) {
    this.#deps = deps;
    this.#policy = { ...defaultRetryPolicy, ...deps.retry };
    this.#random = deps.random ?? Math.random;
  }

  /** Starts every delivery that is due and sets a timer for the next one. Call after each change. */
  kick(): void {
    if (this.#controller.signal.aborted) return;
    const now = this.#deps.clock.now();
    let next = Number.POSITIVE_INFINITY;
    // One monitor's notifications reach one handler in the order they were committed: a retried alert
    // must never land after the recovery that followed it.
    const busy = new Set<string>();
    for (const delivery of this.#deps.machine.pendingDeliveries()) {
      const lane = `${delivery.module}\u0000${delivery.monitor}\u0000${delivery.handlerIndex}`;
      if (busy.has(lane)) continue;
      busy.add(lane);
      if (this.#inFlight.has(delivery.id)) continue;
      if (this.#deps.ownership && !this.#deps.ownership.mayRun(delivery.module)) continue;
      if (delivery.nextAttemptAt <= now) {
        const attempt = this.#attempt(delivery).finally(() => {
          this.#inFlight.delete(delivery.id);
          this.kick();
        });
        this.#inFlight.set(delivery.id, attempt);
      } else {
        next = Math.min(next, delivery.nextAttemptAt);
      }
    }
    this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = Number.isFinite(next)
      ? this.#deps.clock.setTimeout(() => this.kick(), next - now)
      : undefined;
  }

  #handler(delivery: DeliveryRecord): SampleHandler {
    // Per module: the handler resolves its secrets with that module's grants, and its team's as it is
    // now (an admin may move the module to another team).
    const key = `${delivery.module}\u0000${JSON.stringify(delivery.handler)}`;
    let handler = this.#handlers.get(key);
    if (!handler) {
      handler = this.#deps.plugins.createHandler(
        delivery.handler,
        moduleRequester(this.#deps.machine, delivery.module),
      );
      this.#handlers.set(key, handler);
    }
    return handler;
  }

  async #attempt(delivery: DeliveryRecord): Promise<void> {
    const { machine, log, clock, logger } = this.#deps;
    const transition = machine.transition(delivery.transitionId);
    if (!transition) return;
    const attempt = delivery.attempts + 1;
    const context = { module: delivery.module, monitor: delivery.monitor, delivery: delivery.id, attempt };
    let outcome:
      | { outcome: "delivered"; receipt?: DeliveryReceipt }
      | { outcome: "retrying" | "failed"; error: string; nextAttemptAt?: number };
    const started = performance.now();
    const signal = AbortSignal.any([
      this.#controller.signal,
      AbortSignal.timeout(this.#policy.attemptTimeoutMs),
    ]);
    try {
      const handler = this.#handler(delivery);
      const { at: _at, ...event } = transition;
      const link = this.#deps.publicUrl
        ? `${this.#deps.publicUrl.replace(/\/$/, "")}/monitors?module=${encodeURIComponent(transition.module)}&monitor=${encodeURIComponent(transition.monitor)}`
        : undefined;
      const receipt = transition.incident
        ? machine.receiptFor(
            transition.module,
            transition.monitor,
            transition.incident.key,
            delivery.handlerIndex,
          )
        : undefined;
      // The incident's acknowledgement may postdate the transition: handlers show the current one.
      const current = machine.monitor(transition.module, transition.monitor)?.incident;
      const incident =
        event.incident && current?.key === event.incident.key
          ? { ...event.incident, acknowledged: current.acknowledged }
          : event.incident;
      const returned = await handler.notify({ ...event, incident, link } satisfies Transition, {
        signal,
        idempotencyKey: delivery.id,
        attempt,
        receipt,
      });
      outcome = returned ? { outcome: "delivered", receipt: returned } : { outcome: "delivered" };
    } catch (error) {
      if (this.#controller.signal.aborted) return; // shutting down: the attempt is retried after restart
      const message = describeError(error);
      const retryable =
        !isAmstaffError(error) ||
        (error.retryable &&
          error.code !== "AMS_ERR_PLUGIN_UNKNOWN" &&
          error.code !== "AMS_ERR_PLUGIN_OPTIONS");
      if (!retryable || attempt >= this.#policy.maxAttempts) {
        outcome = { outcome: "failed", error: message };
      } else {
        const hinted = isAmstaffError(error) ? (error.retryAfterMs ?? 0) : 0;
        outcome = {
          outcome: "retrying",
          error: message,
          nextAttemptAt: clock.now() + this.#backoff(attempt, hinted),
        };
      }
    }
    this.#deps.onAttempt?.(delivery.handler.plugin, outcome.outcome, performance.now() - started);
    try {
      await log.propose({
        type: "delivery.attempt",
        id: delivery.id,
        attempt,
        at: clock.now(),
        ...outcome,
        ...this.#deps.ownership?.fence(delivery.module),
      });
      const level =
        outcome.outcome === "delivered" ? "info" : outcome.outcome === "failed" ? "error" : "warn";
      logger[level]({ ...context, ...outcome }, `delivery ${outcome.outcome}`);
    } catch (error) {
      logger.error({ ...context, err: describeError(error) }, "could not record delivery attempt");
    }
  }

  /** Exponential backoff with equal jitter (half fixed, half random), never shorter than the receiver asked. */
  #backoff(attempt: number, hintedMs: number): number {
    const { baseDelayMs, maxDelayMs } = this.#policy;
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    const jittered = Math.floor(ceiling / 2 + (this.#random() * ceiling) / 2);
    return Math.min(maxDelayMs, Math.max(jittered, hintedMs));
  }

  /** Stops delivering: attempts under way are aborted and will be retried after a restart. */
  async stop(): Promise<void> {
    this.#controller.abort(new Error("server stopping"));
    this.#deps.clock.clearTimeout(this.#timer);
    await Promise.allSettled(this.#inFlight.values());
    await Promise.allSettled([...this.#handlers.values()].map(async (h) => h.dispose?.()));
  }
}
