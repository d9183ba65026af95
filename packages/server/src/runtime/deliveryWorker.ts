import {
  type DeliveryReceipt,
  describeError,
  type GroupedNotification,
  type HandlerSpec,
  isAmstaffError,
  type SampleHandler,
  type Transition,
} from "@amstaff/core";
import type { Logger } from "pino";
import { moduleRequester } from "../access/secretBinding.js";
import type { Clock } from "../clock.js";
import type { Ownership } from "../cluster/ownership.js";
import type { PluginRegistry } from "../plugins/plugins.js";
import type { DeliveryRecord, GroupRecord } from "../state/commands.js";
import type { ReplicatedLog } from "../state/replicatedLog.js";
import type { StateMachine } from "../state/stateMachine.js";
import { backoffMs, defaultRetryPolicy, type RetryPolicy } from "./retryPolicy.js";

/** First wait before proposing an unconfirmed record again; it doubles up to {@link maxRecordRetryMs}. */
const recordRetryMs = 50;
const maxRecordRetryMs = 2_000;
/** Wait before claiming again after a claim failed or was refused. */
const claimRetryMs = 100;

type AttemptOutcome =
  | { outcome: "delivered"; receipt?: DeliveryReceipt; receipts?: Record<string, DeliveryReceipt> }
  | { outcome: "retrying" | "failed"; error: string; nextAttemptAt?: number };

/** What the worker sends: one delivery, or a grouping handler's group of deliveries as one. */
type Work = DeliveryRecord | GroupRecord;

/** What a successful handler call returned. */
type Returned = { receipt?: DeliveryReceipt; receipts?: Record<string, DeliveryReceipt> };

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
  /**
   * Which modules' deliveries this node makes (the owner's); absent: all of them. The worker looks
   * again for due deliveries whenever it changes.
   */
  ownership?: Ownership | undefined;
  /** Hears the outcome and duration of every attempt (metrics). Must not throw. */
  onAttempt?:
    | ((plugin: string, outcome: "delivered" | "retrying" | "failed", durationMs: number) => void)
    | undefined;
}

/**
 * Delivers committed transitions to their handlers. A delivery exists in the log before its first
 * attempt, every attempt's number is claimed in the log before it is sent, and every attempt's outcome
 * is committed, so after a restart or failover the pending ones resume, the delivered ones are never
 * sent again, and no attempt number (`x-amstaff-attempt`, ...) is ever sent twice.
 *
 * An outcome the owner could not record (the leader died while it committed: the record may or may not
 * be in the log) is kept and only its *record* is retried, never the send. The one window left — a
 * handler that succeeded just before its node died or lost the module, before the success was
 * committed — sends the delivery again from the next owner, with the next attempt number and the same
 * idempotency key, which closes it downstream.
 *
 * A grouping handler's deliveries are sent by their group (see `state/groups.ts`): the group's attempts
 * are claimed and recorded like a delivery's, so a failover neither loses nor repeats a group message.
 *
 * The worker looks for due deliveries after every committed command that can make one due (a
 * transition, an attempt's outcome, a reminder, an acknowledgement) and every ownership change.
 */
export class DeliveryWorker {
  readonly #deps: DeliveryWorkerDeps;
  readonly #policy: RetryPolicy;
  readonly #random: () => number;
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #handlers = new Map<string, SampleHandler>();
  readonly #controller = new AbortController();
  readonly #unsubscribe: (() => void)[];
  #timer: unknown;

  constructor(deps: DeliveryWorkerDeps) {
    this.#deps = deps;
    this.#policy = { ...defaultRetryPolicy, ...deps.retry };
    this.#random = deps.random ?? Math.random;
    this.#unsubscribe = [
      deps.machine.onApply((command) => {
        if (
          command.type === "transition.record" ||
          command.type === "delivery.attempt" ||
          command.type === "incident.remind" ||
          command.type === "state.import" ||
          command.type === "incident.ack"
        ) {
          this.kick();
        }
      }),
      ...(deps.ownership ? [deps.ownership.onChange(() => this.kick())] : []),
    ];
  }

  /**
   * Starts every delivery that is due and sets a timer for the next one. Runs by itself after each
   * change it listens to; call it once at start, for what was due before.
   */
  kick(): void {
    if (this.#controller.signal.aborted) return;
    const now = this.#deps.clock.now();
    let next = Number.POSITIVE_INFINITY;
    // One monitor's notifications reach one handler in the order they were committed: a retried alert
    // must never land after the recovery that followed it.
    const busy = new Set<string>();
    const lanes: [string, Work][] = [
      ...this.#deps.machine
        .pendingDeliveries()
        .map((d): [string, Work] => [`${d.module}\u0000${d.monitor}\u0000${d.handlerIndex}`, d]),
      // A group's messages go out in order too (a retried one before the next interval's).
      ...this.#deps.machine.pendingGroups().map((g): [string, Work] => [`\u0000group\u0000${g.key}`, g]),
    ];
    for (const [lane, work] of lanes) {
      if (busy.has(lane)) continue;
      busy.add(lane);
      // A grouped delivery goes out with its group, and holds its lane until then.
      if ("group" in work && work.group !== undefined) continue;
      if (this.#inFlight.has(work.id)) continue;
      if (this.#deps.ownership && !this.#deps.ownership.mayRun(work.module)) continue;
      if (work.nextAttemptAt <= now) {
        const attempt = this.#attempt(work).finally(() => {
          this.#inFlight.delete(work.id);
          this.kick();
        });
        this.#inFlight.set(work.id, attempt);
      } else {
        next = Math.min(next, work.nextAttemptAt);
      }
    }
    this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = Number.isFinite(next)
      ? this.#deps.clock.setTimeout(() => this.kick(), next - now)
      : undefined;
  }

  #handler(delivery: { module: string; handler: HandlerSpec }): SampleHandler {
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

  async #attempt(delivery: Work): Promise<void> {
    const { log, clock, logger, ownership } = this.#deps;
    const call = this.#call(delivery);
    if (!call) return;
    const attempt = Math.max(delivery.attempts, delivery.claimed ?? 0) + 1;
    const context = {
      module: delivery.module,
      ...("members" in delivery ? { group: delivery.labels } : { monitor: delivery.monitor }),
      delivery: delivery.id,
      attempt,
    };
    try {
      const claimed = await log.propose({
        type: "delivery.attempt",
        id: delivery.id,
        attempt,
        outcome: "sending",
        at: clock.now(),
        ...ownership?.fence(delivery.module),
      });
      if (!claimed.ok) {
        logger.warn({ ...context, reason: claimed.reason }, "delivery attempt not claimed");
        await this.#pause(claimRetryMs);
        return;
      }
    } catch (error) {
      // Maybe claimed: the number is then burnt, never sent. The next try claims the next free one.
      logger.warn({ ...context, err: describeError(error) }, "could not claim delivery attempt; will retry");
      await this.#pause(claimRetryMs);
      return;
    }
    // Claiming took a round trip: the lease may have run out meanwhile.
    if (ownership && !ownership.mayRun(delivery.module)) return;
    const outcome = await this.#send(attempt, call);
    if (outcome === undefined) return;
    this.#deps.onAttempt?.(delivery.handler.plugin, outcome.outcome, outcome.durationMs);
    const { durationMs: _durationMs, ...recorded } = outcome;
    await this.#record(delivery, attempt, recorded, context);
  }

  /**
   * How to call the handler for a delivery or a group, once its attempt is claimed; undefined when
   * there is nothing left to send (its transitions are gone).
   */
  #call(work: Work): ((signal: AbortSignal, attempt: number) => Promise<Returned>) | undefined {
    const handler = () => this.#handler(work);
    if (!("members" in work)) {
      const notification = this.#notification(work);
      if (!notification) return undefined;
      return async (signal, attempt) => {
        const { transition, receipt } = notification;
        const returned = await handler().notify(transition, {
          signal,
          idempotencyKey: work.id,
          attempt,
          receipt,
        });
        return returned ? { receipt: returned } : {};
      };
    }
    const notifications = work.members.flatMap((id) => {
      const member = this.#deps.machine.delivery(id);
      const notification = member?.status === "pending" && this.#notification(member);
      return notification ? [notification] : [];
    });
    if (notifications.length === 0) return undefined;
    return async (signal, attempt) => {
      const target = handler();
      if (target.notifyGroup) {
        const group = { key: work.key, labels: work.labels, notifications };
        const returned = await target.notifyGroup(group, { signal, idempotencyKey: work.id, attempt });
        return returned ? { receipt: returned } : {};
      }
      // Without notifyGroup, one call per member, each with its own key: a retried group sends the
      // ones that went through again under the same keys, which the receiver deduplicates.
      const receipts: Record<string, DeliveryReceipt> = {};
      for (const { transition, idempotencyKey, receipt } of notifications) {
        const returned = await target.notify(transition, { signal, idempotencyKey, attempt, receipt });
        if (returned) receipts[idempotencyKey] = returned;
      }
      return Object.keys(receipts).length > 0 ? { receipts } : {};
    };
  }

  /** A delivery's transition as its handler sees it, with the incident's receipt; undefined once gone. */
  #notification(delivery: DeliveryRecord): GroupedNotification | undefined {
    const { machine, publicUrl } = this.#deps;
    const transition = machine.transition(delivery.transitionId);
    if (!transition) return undefined;
    // Who acknowledged is for the timeline: handlers read `incident.acknowledged`, never a token's role.
    const { at: _at, actor: _actor, ...event } = transition;
    const link = publicUrl
      ? `${publicUrl.replace(/\/$/, "")}/monitors?module=${encodeURIComponent(transition.module)}&monitor=${encodeURIComponent(transition.monitor)}`
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
    return {
      transition: { ...event, incident, link } satisfies Transition,
      idempotencyKey: delivery.id,
      receipt,
    };
  }

  /** Calls the handler once; undefined when the worker is stopping. */
  async #send(
    attempt: number,
    call: (signal: AbortSignal, attempt: number) => Promise<Returned>,
  ): Promise<(AttemptOutcome & { durationMs: number }) | undefined> {
    const { clock } = this.#deps;
    const started = performance.now();
    const signal = AbortSignal.any([
      this.#controller.signal,
      AbortSignal.timeout(this.#policy.attemptTimeoutMs),
    ]);
    try {
      const returned = await call(signal, attempt);
      const durationMs = performance.now() - started;
      return { outcome: "delivered", ...returned, durationMs };
    } catch (error) {
      if (this.#controller.signal.aborted) return undefined; // shutting down: retried after restart
      const durationMs = performance.now() - started;
      const message = describeError(error);
      const retryable =
        !isAmstaffError(error) ||
        (error.retryable &&
          error.code !== "AMS_ERR_PLUGIN_UNKNOWN" &&
          error.code !== "AMS_ERR_PLUGIN_OPTIONS");
      if (!retryable || attempt >= this.#policy.maxAttempts) {
        return { outcome: "failed", error: message, durationMs };
      }
      const hinted = isAmstaffError(error) ? (error.retryAfterMs ?? 0) : 0;
      return {
        outcome: "retrying",
        error: message,
        nextAttemptAt: clock.now() + backoffMs(this.#policy, attempt, hinted, this.#random),
        durationMs,
      };
    }
  }

  /**
   * Commits how an attempt ended. A record whose commit is unknown is proposed again (the state machine
   * takes the same record twice as once) until it is known, refused, or the worker stops: the delivery
   * stays in flight meanwhile, so it is never sent again by this node.
   */
  async #record(
    delivery: Work,
    attempt: number,
    outcome: AttemptOutcome,
    context: Record<string, unknown>,
  ): Promise<void> {
    const { machine, log, clock, logger, ownership } = this.#deps;
    const level = outcome.outcome === "delivered" ? "info" : outcome.outcome === "failed" ? "error" : "warn";
    const at = clock.now();
    for (let wait = recordRetryMs; ; wait = Math.min(wait * 2, maxRecordRetryMs)) {
      try {
        const result = await log.propose({
          type: "delivery.attempt",
          id: delivery.id,
          attempt,
          at,
          ...outcome,
          ...ownership?.fence(delivery.module),
        });
        if (result.ok) logger[level]({ ...context, ...outcome }, `delivery ${outcome.outcome}`);
        else logger.warn({ ...context, reason: result.reason }, "delivery attempt record refused");
        return;
      } catch (error) {
        const now = machine.delivery(delivery.id) ?? machine.group(delivery.id);
        if (now?.status !== "pending" || now.attempts >= attempt) return; // committed after all
        if (this.#controller.signal.aborted) return;
        logger.warn(
          { ...context, outcome: outcome.outcome, err: describeError(error) },
          "could not record delivery attempt; retrying the record, not the send",
        );
        await this.#pause(wait);
      }
    }
  }

  #pause(ms: number): Promise<void> {
    const { clock } = this.#deps;
    const { signal } = this.#controller;
    return new Promise((resolve) => {
      const done = () => {
        clock.clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = clock.setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** Stops delivering: attempts under way are aborted and will be retried after a restart. */
  async stop(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#controller.abort(new Error("server stopping"));
    this.#deps.clock.clearTimeout(this.#timer);
    await Promise.allSettled(this.#inFlight.values());
    await Promise.allSettled([...this.#handlers.values()].map(async (h) => h.dispose?.()));
  }
}
