import {
  AmstaffError,
  abortReason,
  type DeliveryReceipt,
  describeNetworkError,
  type NotifyContext,
  parseDuration,
  parsePluginOptions,
  parseRetryAfter,
  resolveSecrets,
  type SampleHandler,
  type SecretSource,
  type Transition,
} from "@amstaff/core";
import { Agent, type Dispatcher, request } from "undici";
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

let sharedAgent: Agent | undefined;

// Created on first use, not at import, so importing the package opens nothing.
function defaultDispatcher(): Agent {
  sharedAgent ??= new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 8 });
  return sharedAgent;
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
  const now = runtime.now ?? Date.now;
  const routingKey = resolved.routingKey.trim();
  const base = new URL(resolved.baseUrl);
  const endpoint = `${base.origin}${base.pathname.replace(/\/+$/, "")}/v2/enqueue`;
  const timeoutMs = parseDuration(resolved.timeout);

  const fail = (
    message: string,
    options: { retryable: boolean; retryAfterMs?: number | undefined; cause?: unknown; status?: number },
  ) =>
    new AmstaffError("AMS_ERR_DELIVERY_FAILED", redact(`pagerduty ${endpoint}: ${message}`, routingKey), {
      retryable: options.retryable,
      ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      details: {
        endpoint,
        retryable: options.retryable,
        ...(options.status === undefined ? {} : { status: options.status }),
      },
    });

  async function send(event: AlertEvent, signal: AbortSignal): Promise<string> {
    const what = `${event.event_action} ${event.dedup_key}`;
    if (signal.aborted) throw fail(`${what}: aborted (${abortReason(signal)})`, { retryable: true });
    const both = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const response = await request(endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          "user-agent": `amstaff-handler-pagerduty/${packageVersion}`,
        },
        body: JSON.stringify(event),
        signal: both,
        dispatcher: runtime.dispatcher ?? defaultDispatcher(),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = response.statusCode;
      headers = response.headers;
      text = await response.body.text();
    } catch (error) {
      if (signal.aborted)
        throw fail(`${what}: aborted (${abortReason(signal)})`, { retryable: true, cause: error });
      if (both.aborted)
        throw fail(`${what}: no answer within ${resolved.timeout} (timeout)`, {
          retryable: true,
          cause: error,
        });
      throw fail(`${what}: ${describeNetworkError(error, base).message}; will retry`, {
        retryable: true,
        cause: error,
      });
    }
    const body = parseAnswer(text);
    if (status >= 200 && status < 300)
      return typeof body?.dedup_key === "string" ? body.dedup_key : event.dedup_key;
    const answered = `HTTP ${status}${explain(body, text)}`;
    const retryAfterMs = parseRetryAfter(headers["retry-after"], now());
    if (status === 429)
      throw fail(`${what}: PagerDuty is rate-limiting this integration (${answered}); will retry`, {
        retryable: true,
        retryAfterMs,
        status,
      });
    if (status === 408 || status >= 500)
      throw fail(`${what}: PagerDuty answered ${answered}; will retry`, {
        retryable: true,
        retryAfterMs,
        status,
      });
    const advice =
      status === 400
        ? "PagerDuty refused the event: check routingKey (an Events API v2 integration key) and the templates"
        : "PagerDuty refused the request: check baseUrl";
    throw fail(`${what}: ${advice} (${answered}) (permanent, not retried)`, { retryable: false, status });
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

function parseAnswer(text: string): EnqueueAnswer | undefined {
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === "object" && json !== null ? (json as EnqueueAnswer) : undefined;
  } catch {
    return undefined;
  }
}

function explain(body: EnqueueAnswer | undefined, text: string): string {
  const parts: string[] = [];
  if (typeof body?.message === "string") parts.push(body.message);
  if (Array.isArray(body?.errors) && body.errors.length > 0)
    parts.push(`(${body.errors.map(String).join("; ")})`);
  if (parts.length === 0) {
    const raw = text.replace(/\s+/g, " ").trim().slice(0, 300);
    if (raw) parts.push(raw);
  }
  return parts.length === 0 ? "" : `: ${parts.join(" ")}`;
}

// PagerDuty does not echo routing keys, but a proxy's error page might: never let one reach a message.
function redact(text: string, routingKey: string): string {
  return routingKey.length >= 4 ? text.split(routingKey).join("[redacted]") : text;
}
