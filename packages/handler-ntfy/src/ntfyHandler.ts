import {
  AmstaffError,
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
import { type NtfyOptions, ntfyOptionsSchema, ntfyPluginId } from "./options.js";
import { type PublishRequest, publishRequest } from "./publishRequest.js";
import { packageVersion } from "./version.js";

/** Dependencies of {@link ntfyHandler} that tests and embedders may replace. */
export interface NtfyHandlerRuntime {
  /**
   * The undici dispatcher requests go through.
   * @default a keep-alive `Agent` shared by every ntfy handler of the process
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
 * What the ntfy handler returns from a delivery. The server hands the first one of an incident back to its
 * later deliveries, so the recovery goes to the topic the alert went to.
 */
export interface NtfyReceipt extends DeliveryReceipt {
  /** ntfy's id of the published message. */
  id: string;
  /** The topic it was published to. */
  topic: string;
}

/** An ntfy answer: the published message, or an error `{ code, http, error, link }`. */
interface NtfyAnswer {
  id?: unknown;
  code?: unknown;
  error?: unknown;
  link?: unknown;
}

/**
 * Creates a handler that publishes every notification of a monitor to an ntfy topic, with ntfy's JSON
 * publishing (`POST /` on the server): the title names the monitor and its status, the body is the sampler's
 * message, the priority and the first tag (an emoji) follow the status, and a tap opens the monitor in
 * Amstaff. A recovery is published to the topic of its alert at the recovery's priority. A first status of
 * `ok` sends nothing.
 *
 * One call of `notify` is one attempt: failures throw `AmstaffError` `AMS_ERR_DELIVERY_FAILED`, retryable
 * for network errors, timeouts, HTTP 408, 429 (with `retryAfterMs` from `Retry-After` when sent) and 5xx,
 * not retryable for 400, 401, 403, 413 and other 4xx.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` for invalid options, `AMS_ERR_SECRET_MISSING` for an unset secret.
 * @example
 * ```ts
 * const handler = ntfyHandler({ topic: "user-service-alerts", token: { $secret: "NTFY_TOKEN" } });
 * await handler.notify(transition, { signal, idempotencyKey: transition.id, attempt: 1 });
 * ```
 */
export function ntfyHandler(options: NtfyOptions, runtime: NtfyHandlerRuntime = {}): SampleHandler {
  const parsed = parsePluginOptions({ id: ntfyPluginId, options: ntfyOptionsSchema }, options);
  const resolved = resolveSecrets(parsed, runtime.secrets);
  const token = resolved.token?.trim();
  if (token !== undefined && /[\r\n\0]/.test(token)) {
    throw new AmstaffError(
      "AMS_ERR_PLUGIN_OPTIONS",
      `Invalid options for ${ntfyPluginId}: token: the secret's value contains a line break`,
    );
  }
  const base = new URL(resolved.server);
  const server = `${base.origin}${base.pathname.replace(/\/+$/, "")}`;
  const http = new HttpDelivery({
    label: `ntfy ${server}`,
    // ntfy does not echo tokens, but a proxy's error page might: never let one reach a message.
    secrets: [token],
    details: { server },
    timeout: resolved.timeout,
    timeoutMs: parseDuration(resolved.timeout),
    dispatcher: runtime.dispatcher,
    now: runtime.now,
  });

  async function publish(body: PublishRequest, signal: AbortSignal): Promise<string> {
    const what = `publishing to ${body.topic}`;
    const answer = await http.send<NtfyAnswer>(
      {
        url: `${server}/`,
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          "user-agent": `amstaff-handler-ntfy/${packageVersion}`,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      },
      what,
      signal,
    );
    if (answer.status >= 200 && answer.status < 300)
      return typeof answer.body?.id === "string" ? answer.body.id : "";
    throw http.refusal(answer, what, {
      service: "ntfy",
      rateLimited: "ntfy is rate-limiting this client",
      said: explain(answer.body, answer.text),
      advice: (status) =>
        status === 401
          ? "the access token was refused: check token"
          : status === 403
            ? token
              ? "the token's user may not publish to this topic: grant it write access"
              : "the topic is protected: set token to an access token with write access"
            : status === 404
              ? "not found: check server"
              : "ntfy refused the message",
    });
  }

  return {
    name: `ntfy ${server}/${resolved.topic}`,
    async notify(transition: Transition, context: NotifyContext): Promise<NtfyReceipt | undefined> {
      // Nothing was published for a monitor whose first status is ok.
      if (transition.to === "ok" && transition.from === "pending" && context.receipt === undefined)
        return undefined;
      const body = publishRequest(transition, resolved, context.receipt);
      return { id: await publish(body, context.signal), topic: body.topic };
    },
  };
}

function explain(answer: NtfyAnswer | undefined, text: string): string {
  if (typeof answer?.error === "string") {
    const code = typeof answer.code === "number" ? ` [${answer.code}]` : "";
    const link = typeof answer.link === "string" && answer.link !== "" ? ` (see ${answer.link})` : "";
    return `${answer.error}${code}${link}`;
  }
  return bodyExcerpt(text);
}
