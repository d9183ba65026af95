import { setTimeout as sleep } from "node:timers/promises";
import {
  AmstaffError,
  abortReason,
  type DeliveryReceipt,
  type NotifyContext,
  parseDuration,
  parsePluginOptions,
  recoveryOf,
  resolveSecrets,
  type SampleHandler,
  type SecretSource,
  type Transition,
} from "@amstaff/core";
import { bodyExcerpt, type Dispatcher, HttpDelivery } from "@amstaff/plugin-http";
import { resolvedEdit, type WebhookMessage, webhookMessage } from "./discordMessage.js";
import { type DiscordOptions, discordOptionsSchema, discordPluginId, webhookUrlPattern } from "./options.js";
import { RateLimitBucket, rateLimitWaitMs } from "./rateLimit.js";
import { packageVersion } from "./version.js";

/** Dependencies of {@link discordHandler} that tests and embedders may replace. */
export interface DiscordHandlerRuntime {
  /**
   * The undici dispatcher requests go through.
   * @default a keep-alive `Agent` shared by every Discord handler of the process
   */
  dispatcher?: Dispatcher;
  /**
   * Where `secret("NAME")` references are read from.
   * @default the process environment
   */
  secrets?: SecretSource;
  /**
   * The clock, in milliseconds since the epoch, for rate limits and `Retry-After` dates.
   * @default Date.now
   */
  now?: () => number;
}

/**
 * What the Discord handler returns from a delivery. The server hands the first one of an incident (the
 * alert's) back to its later deliveries, so the recovery edits the alert's very message.
 */
export interface DiscordReceipt extends DeliveryReceipt {
  /** The id of the message posted (or, for a recovery that only edits, edited). */
  messageId: string;
  /** The channel (or thread) it is in. */
  channelId: string;
}

/** A Discord answer: a message object, or an error `{ code, message, errors? }`, or a 429 `{ retry_after }`. */
interface DiscordAnswer {
  id?: unknown;
  channel_id?: unknown;
  code?: unknown;
  message?: unknown;
  errors?: unknown;
  retry_after?: unknown;
  global?: unknown;
}

/** Discord's JSON error code for a message that no longer exists. */
const unknownMessage = 10008;

/**
 * Creates a handler that posts a monitor's notifications to a Discord channel through its webhook ("Execute
 * Webhook" with `?wait=true`, so Discord answers the message): one embed per notification, coloured by
 * status, with status, value, since, incident and tags fields and the monitor's link. Alerts ping the
 * configured users and roles, and only them. A recovery edits the alert's message into a green resolved card
 * ("Edit Webhook Message", with the message id from the alert's receipt) and posts the recovery, as
 * `resolve` says. A first status of `ok` sends nothing.
 *
 * Rate limits: the handler reads Discord's `X-RateLimit-*` headers and waits for the bucket to reset before
 * a request that would be refused (when that is shorter than `timeout`); a 429 fails the attempt with
 * `retryAfterMs` from the answer's `retry_after`, `Retry-After` and `X-RateLimit-Reset-After`.
 *
 * One call of `notify` is one attempt: failures throw `AmstaffError` `AMS_ERR_DELIVERY_FAILED`, retryable for
 * network errors, timeouts, HTTP 408, 429 and 5xx, not retryable for 400, 401, 403, 404 and other 4xx.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` for invalid options or a secret that is no webhook URL,
 * `AMS_ERR_SECRET_MISSING` for an unset secret.
 * @example
 * ```ts
 * const handler = discordHandler({ url: { $secret: "DISCORD_WEBHOOK_URL" }, mentions: { roles: ["123456789012345678"] } });
 * await handler.notify(transition, { signal, idempotencyKey: transition.id, attempt: 1 });
 * ```
 */
export function discordHandler(options: DiscordOptions, runtime: DiscordHandlerRuntime = {}): SampleHandler {
  const parsed = parsePluginOptions({ id: discordPluginId, options: discordOptionsSchema }, options);
  const resolved = resolveSecrets(parsed, runtime.secrets);
  const now = runtime.now ?? Date.now;
  const match = webhookUrlPattern.exec(resolved.url.trim());
  if (!match) {
    // Never the value: it holds the webhook's token.
    throw new AmstaffError(
      "AMS_ERR_PLUGIN_OPTIONS",
      `Invalid options for ${discordPluginId}: url: not a Discord webhook URL like https://discord.com/api/webhooks/{id}/{token}`,
    );
  }
  const [, , webhookId = "", token = ""] = match;
  const webhook = new URL(resolved.url.trim().replace(/\/$/, ""));
  const endpoint = `${webhook.origin}${webhook.pathname}`;
  // Logs and errors name the webhook by id; the token stays out of them.
  const shown = `${webhook.origin}${webhook.pathname.replace(/\/[^/]+$/, "/…")}`;
  const timeoutMs = parseDuration(resolved.timeout);
  const bucket = new RateLimitBucket(now);
  const http = new HttpDelivery({
    label: `discord ${shown}`,
    // Discord does not echo webhook tokens, but a proxy's error page might: never let one reach a message.
    secrets: [token],
    details: { webhook: webhookId },
    timeout: resolved.timeout,
    timeoutMs,
    dispatcher: runtime.dispatcher,
    now,
  });

  const aborted = (what: string, signal: AbortSignal, cause?: unknown) =>
    http.fail(`${what}: aborted (${abortReason(signal)})`, {
      retryable: true,
      ...(cause === undefined ? {} : { cause }),
    });

  async function call(
    method: "POST" | "PATCH",
    path: string,
    body: WebhookMessage,
    what: string,
    signal: AbortSignal,
  ): Promise<{ status: number; answer: DiscordAnswer | undefined }> {
    if (signal.aborted) throw aborted(what, signal);
    const wait = bucket.waitMs();
    if (wait > timeoutMs)
      throw http.fail(`${what}: Discord's rate limit for this webhook resets in ${wait} ms; will retry`, {
        retryable: true,
        retryAfterMs: wait,
      });
    if (wait > 0)
      await sleep(wait, undefined, { signal }).catch((error: unknown) =>
        Promise.reject(aborted(what, signal, error)),
      );
    const query = new URLSearchParams(method === "POST" ? { wait: "true" } : {});
    if (resolved.threadId !== undefined) query.set("thread_id", resolved.threadId);
    const response = await http.send<DiscordAnswer>(
      {
        url: `${endpoint}${path}?${query}`,
        method,
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          // Discord asks for a User-Agent of the form "DiscordBot ($url, $versionNumber)".
          "user-agent": `DiscordBot (https://github.com/amstaff-dev/amstaff, ${packageVersion}) amstaff-handler-discord`,
        },
        body: JSON.stringify(body),
      },
      what,
      signal,
    );
    const { status, headers, body: answer } = response;
    bucket.update(status, headers, answer);
    if (status >= 200 && status < 300) return { status, answer };
    if (status === 404 && answer?.code === unknownMessage && method === "PATCH") return { status, answer };
    throw http.refusal(response, what, {
      service: "Discord",
      rateLimited: `Discord is rate-limiting this webhook${answer?.global === true ? " (global limit)" : ""}`,
      said: explain(answer, response.text),
      advice: (code) =>
        code === 401 || code === 404
          ? "the webhook was deleted or its URL is wrong: check url"
          : code === 403
            ? "the webhook may not post here (a locked thread or a missing permission)"
            : "Discord refused the message",
      retryAfterMs: (a) => rateLimitWaitMs(a.headers, a.status === 429 ? a.body : undefined, now()),
    });
  }

  const receiptOf = (
    answer: DiscordAnswer | undefined,
    fallback: DiscordReceipt | undefined,
  ): DiscordReceipt => ({
    messageId: typeof answer?.id === "string" ? answer.id : (fallback?.messageId ?? ""),
    channelId: typeof answer?.channel_id === "string" ? answer.channel_id : (fallback?.channelId ?? ""),
  });

  return {
    name: `discord ${shown}`,
    async notify(transition: Transition, context: NotifyContext): Promise<DiscordReceipt | undefined> {
      // Nothing was posted for a monitor whose first status is ok.
      if (transition.to === "ok" && transition.from === "pending" && context.receipt === undefined)
        return undefined;
      const alert = alertReceipt(context.receipt);
      if (recoveryOf(transition) !== undefined && alert !== undefined && resolved.resolve !== "post") {
        const what = `marking message ${alert.messageId} resolved`;
        const edited = await call(
          "PATCH",
          `/messages/${alert.messageId}`,
          resolvedEdit(transition, resolved),
          what,
          context.signal,
        );
        // The alert's message was deleted: the recovery is posted instead, whatever `resolve` says.
        const gone = edited.status === 404;
        if (resolved.resolve === "edit" && !gone) return receiptOf(edited.answer, alert);
      }
      const posted = await call("POST", "", webhookMessage(transition, resolved), "posting", context.signal);
      return receiptOf(posted.answer, undefined);
    },
  };
}

function alertReceipt(receipt: DeliveryReceipt | undefined): DiscordReceipt | undefined {
  if (typeof receipt?.messageId !== "string" || !/^\d{1,20}$/.test(receipt.messageId)) return undefined;
  return {
    messageId: receipt.messageId,
    channelId: typeof receipt.channelId === "string" ? receipt.channelId : "",
  };
}

/** Discord's error, with the field errors of an "Invalid Form Body" flattened to `path: message`. */
function explain(answer: DiscordAnswer | undefined, text: string): string {
  if (typeof answer?.message !== "string") return bodyExcerpt(text);
  const code = typeof answer.code === "number" && answer.code !== 0 ? ` [${answer.code}]` : "";
  const fields = fieldErrors(answer.errors, "").slice(0, 5);
  return `${answer.message}${code}${fields.length > 0 ? ` (${fields.join("; ")})` : ""}`;
}

function fieldErrors(errors: unknown, path: string): string[] {
  if (typeof errors !== "object" || errors === null) return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(errors as Record<string, unknown>)) {
    if (key === "_errors" && Array.isArray(value)) {
      for (const e of value as { message?: unknown }[])
        if (typeof e?.message === "string") out.push(`${path || "body"}: ${e.message}`);
    } else {
      out.push(...fieldErrors(value, path ? `${path}.${key}` : key));
    }
  }
  return out;
}
