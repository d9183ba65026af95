import {
  type DeliveryReceipt,
  type NotifyContext,
  parseDuration,
  parsePluginOptions,
  resolveSecrets,
  type SampleHandler,
  type SecretSource,
  type Transition,
} from "@amstaff/core";
import { bodyExcerpt, type Dispatcher, HttpDelivery } from "@amstaff/plugin-http";
import { type AlertEvent, followUpEvent, triggerEvent } from "./events.js";
import { type PagerdutyOptions, pagerdutyOptionsSchema, pagerdutyPluginId } from "./options.js";
import { packageVersion } from "./version.js";

/** Dependencies of {@link pagerdutyHandler} that tests and embedders may replace. */
export interface PagerdutyHandlerRuntime {
  /**
   * The undici dispatcher requests go through.
   * @default a keep-alive `Agent` shared by every PagerDuty handler of the process
   */
  dispatcher?: Dispatcher;
  /**
   * Where `secret("NAME")` references are read from.
   * @default the process environment
   */
  secrets?: SecretSource;
  /**
   * The clock, in milliseconds since the epoch, for `Retry-After` dates.
   * @default Date.now
   */
  now?: () => number;
}

/**
 * What the PagerDuty handler returns from a delivery. The server hands the first one of an incident back
 * to its later deliveries, so the acknowledge and the resolve name the very alert the trigger opened.
 */
export interface PagerdutyReceipt extends DeliveryReceipt {
  /** The alert's `dedup_key`, as PagerDuty echoed it. */
  dedupKey: string;
}

/** The body of every Events API answer, as documented (a 429 has none). */
interface EnqueueAnswer {
  status?: unknown;
  message?: unknown;
  dedup_key?: unknown;
  errors?: unknown;
}

/**
 * Creates a handler that keeps one PagerDuty alert per incident (Events API v2), with the incident's key as
 * `dedup_key`. A transition into a failing status, every reminder, an escalation and a flapping
 * announcement (even while the monitor is ok) send a `trigger`: PagerDuty opens the alert or deduplicates
 * into the open one. A delivery of an incident someone acknowledged in Amstaff then sends `acknowledge`.
 * A recovery sends `resolve`. A first status of `ok` sends nothing.
 *
 * One call of `notify` is one attempt: failures throw `AmstaffError` `AMS_ERR_DELIVERY_FAILED`, retryable
 * for network errors, timeouts, HTTP 408, 429 (PagerDuty's rate limit; `retryAfterMs` from `Retry-After`
 * when sent) and 5xx, not retryable for 400 (an invalid event) and other 4xx.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` for invalid options, `AMS_ERR_SECRET_MISSING` for an unset secret.
 * @example
 * ```ts
 * const handler = pagerdutyHandler({ routingKey: { $secret: "PAGERDUTY_ROUTING_KEY" } });
 * await handler.notify(transition, { signal, idempotencyKey: transition.id, attempt: 1 });
 * ```
 */
export function pagerdutyHandler(
  options: PagerdutyOptions,
  runtime: PagerdutyHandlerRuntime = {},
): SampleHandler {
  const parsed = parsePluginOptions({ id: pagerdutyPluginId, options: pagerdutyOptionsSchema }, options);
  const resolved = resolveSecrets(parsed, runtime.secrets);
  const routingKey = resolved.routingKey.trim();
  const base = new URL(resolved.baseUrl);
  const endpoint = `${base.origin}${base.pathname.replace(/\/+$/, "")}/v2/enqueue`;
  const http = new HttpDelivery({
    label: `pagerduty ${endpoint}`,
    // PagerDuty does not echo routing keys, but a proxy's error page might: never let one reach a message.
    secrets: [routingKey],
    details: { endpoint },
    timeout: resolved.timeout,
    timeoutMs: parseDuration(resolved.timeout),
    dispatcher: runtime.dispatcher,
    now: runtime.now,
  });

  async function send(event: AlertEvent, signal: AbortSignal): Promise<string> {
    const what = `${event.event_action} ${event.dedup_key}`;
    const answer = await http.send<EnqueueAnswer>(
      {
        url: endpoint,
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          "user-agent": `amstaff-handler-pagerduty/${packageVersion}`,
        },
        body: JSON.stringify(event),
      },
      what,
      signal,
    );
    const { status, body } = answer;
    if (status >= 200 && status < 300)
      return typeof body?.dedup_key === "string" ? body.dedup_key : event.dedup_key;
    throw http.refusal(answer, what, {
      service: "PagerDuty",
      rateLimited: "PagerDuty is rate-limiting this integration",
      said: explain(body, answer.text),
      advice: (code) =>
        code === 400
          ? "PagerDuty refused the event: check routingKey (an Events API v2 integration key) and the templates"
          : "PagerDuty refused the request: check baseUrl",
    });
  }

  return {
    name: `pagerduty ${endpoint}`,
    async notify(transition: Transition, context: NotifyContext): Promise<PagerdutyReceipt | undefined> {
      if (transition.kind === "acknowledged") {
        // Nothing to acknowledge where no alert was triggered (the receipt names the one that was).
        if (context.receipt === undefined) return undefined;
        const event = followUpEvent("acknowledge", transition, routingKey, context.receipt);
        return { dedupKey: await send(event, context.signal) };
      }
      // A flapping monitor that happens to be ok has an open incident: its announcement triggers the alert.
      if (transition.to === "ok" && transition.kind !== "flapping") {
        // Nothing was triggered for a monitor whose first status is ok.
        if (transition.from === "pending" && context.receipt === undefined) return undefined;
        const event = followUpEvent("resolve", transition, routingKey, context.receipt);
        return { dedupKey: await send(event, context.signal) };
      }
      const trigger = triggerEvent(transition, resolved, routingKey, context.receipt);
      const dedupKey = await send(trigger, context.signal);
      // The incident was acknowledged in Amstaff (before this delivery, or while it waited for a retry):
      // the trigger re-opened nothing, and the acknowledge makes PagerDuty stop paging for it too.
      if (transition.incident?.acknowledged) {
        await send(followUpEvent("acknowledge", transition, routingKey, { dedupKey }), context.signal);
      }
      return { dedupKey };
    },
  };
}

function explain(body: EnqueueAnswer | undefined, text: string): string {
  const parts: string[] = [];
  if (typeof body?.message === "string") parts.push(body.message);
  if (Array.isArray(body?.errors) && body.errors.length > 0)
    parts.push(`(${body.errors.map(String).join("; ")})`);
  if (parts.length === 0) parts.push(bodyExcerpt(text));
  return parts.join(" ");
}
