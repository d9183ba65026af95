import {
  AmstaffError,
  abortReason,
  describeNetworkError,
  parseDuration,
  parseRetryAfter,
  type Resolved,
  type SampleHandler,
  type SampleStatus,
  type Transition,
} from "@amstaff/core";
import type { ParsedNtfyOptions } from "./options.js";

/** ntfy's priorities and tags (emoji short codes) for the status a monitor moved to. */
const presentation: Record<SampleStatus, { priority: string; tags: string }> = {
  critical: { priority: "urgent", tags: "rotating_light" },
  warning: { priority: "high", tags: "warning" },
  unknown: { priority: "default", tags: "grey_question" },
  ok: { priority: "low", tags: "white_check_mark" },
};

/**
 * Creates a handler that publishes each transition to an ntfy topic: the title names the monitor and its
 * new status, the body is the sampler's message, the priority and tag follow the status.
 *
 * One call of `notify` is one attempt: a failure throws `AmstaffError` `AMS_ERR_DELIVERY_FAILED`,
 * retryable for network errors, timeouts, HTTP 429 and 5xx (with `retryAfterMs` from `Retry-After`), not
 * for other answers (a wrong token, a topic that does not exist). The receipt is ntfy's message id.
 *
 * @example
 * ```ts
 * const handler = createNtfyHandler(ntfyOptionsSchema.parse({ topic: "payments-alerts" }));
 * await handler.notify(transition, { signal: AbortSignal.timeout(15_000), idempotencyKey: transition.id, attempt: 1 });
 * ```
 */
export function createNtfyHandler(options: Resolved<ParsedNtfyOptions>): SampleHandler {
  const url = new URL(options.topic, options.server.endsWith("/") ? options.server : `${options.server}/`);
  const timeoutMs = parseDuration(options.timeout);
  // Never the token: the name shows in logs and the API.
  const name = `ntfy ${url.href}`;
  const fail = (
    message: string,
    retryable: boolean,
    extra: { retryAfterMs?: number; cause?: unknown } = {},
  ) => new AmstaffError("AMS_ERR_DELIVERY_FAILED", `${name} ${message}`, { retryable, ...extra });

  return {
    name,
    async notify(transition: Transition, context) {
      if (context.signal.aborted) throw fail(`delivery aborted: ${abortReason(context.signal)}`, true);
      const signal = AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)]);
      const { priority, tags } = presentation[transition.to];
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            title: `${transition.module} / ${transition.monitor}: ${transition.to.toUpperCase()}`,
            priority,
            tags,
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          },
          body: transition.result.message,
          redirect: "error",
          signal,
        });
      } catch (cause) {
        if (context.signal.aborted)
          throw fail(`delivery aborted: ${abortReason(context.signal)}`, true, { cause });
        if (signal.aborted) throw fail(`did not answer within ${options.timeout} (timeout)`, true, { cause });
        throw fail(`failed: ${describeNetworkError(cause, url).message}`, true, { cause });
      }
      const text = await response.text().catch(() => "");
      if (!response.ok) {
        const retryable = response.status === 429 || response.status >= 500;
        const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
        // ntfy's errors are JSON ({"code":40301,"http":403,"error":"forbidden"}); its text is safe to show.
        const reason = /"error"\s*:\s*"([^"]{1,200})"/.exec(text)?.[1] ?? `HTTP ${response.status}`;
        throw fail(`answered HTTP ${response.status}: ${reason}`, retryable, {
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        });
      }
      const id = /"id"\s*:\s*"([^"]{1,64})"/.exec(text)?.[1];
      return id === undefined ? undefined : { id };
    },
  };
}
