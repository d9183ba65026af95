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

let sharedAgent: Agent | undefined;

// Created on first use, not at import, so importing the package opens nothing.
function defaultDispatcher(): Agent {
  sharedAgent ??= new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 8 });
  return sharedAgent;
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
  const now = runtime.now ?? Date.now;
  const token = resolved.token?.trim();
  if (token !== undefined && /[\r\n\0]/.test(token)) {
    throw new AmstaffError(
      "AMS_ERR_PLUGIN_OPTIONS",
      `Invalid options for ${ntfyPluginId}: token: the secret's value contains a line break`,
    );
  }
  const base = new URL(resolved.server);
  const server = `${base.origin}${base.pathname.replace(/\/+$/, "")}`;
  const timeoutMs = parseDuration(resolved.timeout);

  const fail = (
    message: string,
    options: { retryable: boolean; retryAfterMs?: number | undefined; cause?: unknown; status?: number },
  ) =>
    new AmstaffError("AMS_ERR_DELIVERY_FAILED", redact(`ntfy ${server}: ${message}`, token), {
      retryable: options.retryable,
      ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      details: {
        server,
        retryable: options.retryable,
        ...(options.status === undefined ? {} : { status: options.status }),
      },
    });

  async function publish(body: PublishRequest, signal: AbortSignal): Promise<string> {
    const what = `publishing to ${body.topic}`;
    if (signal.aborted) throw fail(`${what}: aborted (${abortReason(signal)})`, { retryable: true });
    const both = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const response = await request(`${server}/`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          "user-agent": `amstaff-handler-ntfy/${packageVersion}`,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
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
    const answer = parseAnswer(text);
    if (status >= 200 && status < 300) return typeof answer?.id === "string" ? answer.id : "";
    const said = explain(answer, text);
    const answered = `HTTP ${status}${said ? `: ${said}` : ""}`;
    const retryAfterMs = parseRetryAfter(headers["retry-after"], now());
    if (status === 429)
      throw fail(`${what}: ntfy is rate-limiting this client (${answered}); will retry`, {
        retryable: true,
        retryAfterMs,
        status,
      });
    if (status === 408 || status >= 500)
      throw fail(`${what}: ntfy answered ${answered}; will retry`, { retryable: true, retryAfterMs, status });
    const advice =
      status === 401
        ? "the access token was refused: check token"
        : status === 403
          ? token
            ? "the token's user may not publish to this topic: grant it write access"
            : "the topic is protected: set token to an access token with write access"
          : status === 404
            ? "not found: check server"
            : "ntfy refused the message";
    throw fail(`${what}: ${advice} (${answered}) (permanent, not retried)`, { retryable: false, status });
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

function parseAnswer(text: string): NtfyAnswer | undefined {
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === "object" && json !== null ? (json as NtfyAnswer) : undefined;
  } catch {
    return undefined;
  }
}

function explain(answer: NtfyAnswer | undefined, text: string): string {
  if (typeof answer?.error === "string") {
    const code = typeof answer.code === "number" ? ` [${answer.code}]` : "";
    const link = typeof answer.link === "string" && answer.link !== "" ? ` (see ${answer.link})` : "";
    return `${answer.error}${code}${link}`;
  }
  return text.replace(/\s+/g, " ").trim().slice(0, 300);
}

// ntfy does not echo tokens, but a proxy's error page might: never let one reach a message.
function redact(text: string, token: string | undefined): string {
  return token !== undefined && token.length >= 4 ? text.split(token).join("[redacted]") : text;
}
