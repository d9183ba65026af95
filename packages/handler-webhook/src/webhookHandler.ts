import {
  AmstaffError,
  classifyHttpStatus,
  type NotificationGroup,
  type NotifyContext,
  parseDuration,
  parsePluginOptions,
  parseRetryAfter,
  redactSecrets,
  renderJsonTemplate,
  resolveSecrets,
  type SampleHandler,
  type SecretSource,
  type Transition,
} from "@amstaff/core";
import {
  bodyExcerpt,
  type Dispatcher,
  exchange,
  type HttpAnswer,
  TransportFailure,
} from "@amstaff/plugin-http";
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
  const sensitive = [...Object.values(customHeaders), signingSecret];
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

      let answer: HttpAnswer;
      try {
        answer = await exchange(
          { url: url.href, method: resolved.method, headers, body },
          { signal: context.signal, timeoutMs, dispatcher },
        );
      } catch (error) {
        if (!(error instanceof TransportFailure)) throw error;
        const cause = error.cause === undefined ? {} : { cause: error.cause };
        const message =
          error.kind === "aborted"
            ? `delivery aborted: ${error.message}`
            : error.kind === "timeout"
              ? `did not answer within ${resolved.timeout} (timeout)`
              : `failed: ${error.message}`;
        throw fail(message, { retryable: true, ...cause });
      }

      const { status } = answer;
      const verdict = classifyHttpStatus(status);
      if (verdict === "success") return;
      // A receiver may echo request headers in its error page; never let a secret reach a message that way.
      const excerpt = redactSecrets(
        bodyExcerpt(prefix(answer.text, errorBodyPrefixBytes), Infinity),
        sensitive,
      );
      const answered = `answered HTTP ${status}${excerpt ? `: ${excerpt}` : ""}`;
      if (verdict === "retryable") {
        const retryAfterMs = parseRetryAfter(answer.headers["retry-after"], now());
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

/** The first `bytes` bytes of `text` in UTF-8, without a character cut in half. */
function prefix(text: string, bytes: number): string {
  return Buffer.from(text)
    .subarray(0, bytes)
    .toString("utf8")
    .replace(/\uFFFD+$/, "");
}
