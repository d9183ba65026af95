import {
  AmstaffError,
  abortReason,
  describeNetworkError,
  errorCodesOf,
  type NotificationGroup,
  type NotifyContext,
  parseDuration,
  parsePluginOptions,
  parseRetryAfter,
  renderJsonTemplate,
  resolveSecrets,
  type SampleHandler,
  type SecretSource,
  type Transition,
} from "@amstaff/core";
import { Agent, type Dispatcher, request } from "undici";
import { type WebhookOptions, webhookOptionsSchema, webhookPluginId } from "./options.js";
import { buildWebhookGroupPayload, buildWebhookPayload } from "./payload.js";
import { signatureHeader, signWebhookBody } from "./signature.js";
import { packageVersion } from "./version.js";

/** How much of an error response's body goes into the error message. */
const errorBodyPrefixBytes = 512;

/** Dependencies of {@link webhookHandler} that tests and embedders may replace. */
export interface WebhookHandlerRuntime {
  /**
   * The undici dispatcher requests go through.
   * @default a keep-alive `Agent` shared by every webhook handler of the process
   */
  dispatcher?: Dispatcher;
  /**
   * Where `secret("NAME")` references are read from.
   * @default the process environment
   */
  secrets?: SecretSource;
  /**
   * The clock, in milliseconds since the epoch: signature timestamps and `Retry-After` dates use it.
   * @default Date.now
   */
  now?: () => number;
}

let sharedAgent: Agent | undefined;

// Created on first use, not at import, so importing the package opens nothing.
function defaultDispatcher(): Agent {
  sharedAgent ??= new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 16 });
  return sharedAgent;
}

/**
 * Creates a handler that sends each transition as JSON to a URL (see the README for the payload, headers
 * and signature). Validates `options` and resolves their `secret("NAME")` references from the environment.
 *
 * One call of `notify` is one attempt: a failure throws `AmstaffError` `AMS_ERR_DELIVERY_FAILED`,
 * retryable for network errors, timeouts, HTTP 408, 429 and 5xx (with `retryAfterMs` from `Retry-After`),
 * not retryable for other 4xx and redirects.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` for invalid options, `AMS_ERR_SECRET_MISSING` for an unset secret.
 * @example
 * ```ts
 * const handler = webhookHandler({ url: "https://hooks.example.com/amstaff", signingSecret: secret("HOOK_SECRET") });
 * await handler.notify(transition, { signal, idempotencyKey: transition.id, attempt: 1 });
 * ```
 */
export function webhookHandler(options: WebhookOptions, runtime: WebhookHandlerRuntime = {}): SampleHandler {
  const parsed = parsePluginOptions({ id: webhookPluginId, options: webhookOptionsSchema }, options);
  const resolved = resolveSecrets(parsed, runtime.secrets);
  const dispatcher = runtime.dispatcher;
  const now = runtime.now ?? Date.now;

  const url = new URL(resolved.url);
  const customHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(resolved.headers ?? {})) {
    if (/[\r\n\0]/.test(value)) {
      throw new AmstaffError(
        "AMS_ERR_PLUGIN_OPTIONS",
        `Invalid options for ${webhookPluginId}: headers.${name}: the secret's value contains a line break`,
      );
    }
    customHeaders[name.toLowerCase()] = value;
  }
  if ((url.username || url.password) && customHeaders.authorization === undefined) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    customHeaders.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  }
  url.username = "";
  url.password = "";

  const target = `${url.origin}${url.pathname}`;
  const timeoutMs = parseDuration(resolved.timeout);
  const signingSecret = resolved.signingSecret;
  const sensitive = [...Object.values(customHeaders), ...(signingSecret ? [signingSecret] : [])].filter(
    (v) => v.length >= 4,
  );
  const fail = (message: string, options: { retryable: boolean; retryAfterMs?: number; cause?: unknown }) =>
    new AmstaffError("AMS_ERR_DELIVERY_FAILED", `webhook ${target} ${message}`, {
      retryable: options.retryable,
      ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      details: { url: target, retryable: options.retryable },
    });

  const webhook = {
    async post(payload: unknown, context: NotifyContext): Promise<void> {
      const body = JSON.stringify(payload);
      const headers: Record<string, string> = {
        ...customHeaders,
        "content-type": "application/json",
        "user-agent": `amstaff-handler-webhook/${packageVersion}`,
        "idempotency-key": context.idempotencyKey,
        "x-amstaff-attempt": String(context.attempt),
      };
      if (signingSecret) headers[signatureHeader] = signWebhookBody(body, signingSecret, now());

      if (context.signal.aborted)
        throw fail(`delivery aborted: ${abortReason(context.signal)}`, { retryable: true });
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = AbortSignal.any([context.signal, timeout]);
      const whyAborted = (cause: unknown) =>
        context.signal.aborted
          ? fail(`delivery aborted: ${abortReason(context.signal)}`, { retryable: true, cause })
          : fail(`did not answer within ${resolved.timeout} (timeout)`, { retryable: true, cause });

      let response: Dispatcher.ResponseData;
      try {
        response = await request(url, {
          method: resolved.method,
          headers,
          body,
          signal,
          dispatcher: dispatcher ?? defaultDispatcher(),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
      } catch (error) {
        if (signal.aborted) throw whyAborted(error);
        // undici's own header/body timers can beat the abort signal to the same deadline.
        const timedOut = errorCodesOf(error).some(
          (c) => c === "UND_ERR_HEADERS_TIMEOUT" || c === "UND_ERR_BODY_TIMEOUT",
        );
        if (timedOut) throw whyAborted(error);
        throw fail(`failed: ${describeNetworkError(error, url).message}`, { retryable: true, cause: error });
      }

      const status = response.statusCode;
      if (status >= 200 && status < 300) {
        // Draining a small answer keeps the connection reusable; a large one is not worth reading.
        await response.body.dump({ limit: 64 * 1024 }).catch(() => {});
        return;
      }
      let excerpt: string;
      try {
        excerpt = redact(await readPrefix(response.body, errorBodyPrefixBytes), sensitive);
      } catch (error) {
        if (signal.aborted) throw whyAborted(error);
        excerpt = "";
      }
      const answered = `answered HTTP ${status}${excerpt ? `: ${excerpt}` : ""}`;
      if (status === 408 || status === 429 || status >= 500) {
        const retryAfterMs = parseRetryAfter(response.headers["retry-after"], now());
        throw fail(answered, { retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
      }
      if (status >= 300 && status < 400) {
        throw fail(`answered HTTP ${status} (a redirect): webhooks are not redirected, update the url`, {
          retryable: false,
        });
      }
      throw fail(answered, { retryable: false });
    },
  };

  return {
    name: `webhook ${target}`,
    notify: (transition: Transition, context: NotifyContext) =>
      webhook.post(
        resolved.body === undefined
          ? buildWebhookPayload(transition, context.idempotencyKey)
          : renderJsonTemplate(resolved.body, transition),
        context,
      ),
    // A custom `body` template renders one transition: its groups go one request per notification.
    ...(resolved.body === undefined && {
      notifyGroup: (group: NotificationGroup, context: NotifyContext) =>
        webhook.post(buildWebhookGroupPayload(group, context.idempotencyKey), context),
    }),
  };
}

async function readPrefix(body: AsyncIterable<Uint8Array>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early destroys the stream: the rest of a large error page is never downloaded.
  for await (const chunk of body) {
    chunks.push(Buffer.from(chunk));
    size += chunk.byteLength;
    if (size >= limit) break;
  }
  const text = Buffer.concat(chunks).subarray(0, limit).toString("utf8");
  return text
    .replace(/\uFFFD+$/, "")
    .replace(/\s+/g, " ")
    .trim();
}

// A receiver may echo request headers in its error page; never let a secret reach a message that way.
function redact(text: string, sensitive: readonly string[]): string {
  let out = text;
  for (const value of sensitive) out = out.split(value).join("[redacted]");
  return out;
}
