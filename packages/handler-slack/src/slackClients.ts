import type { Logger, WebClient } from "@slack/web-api";
import type { IncomingWebhook } from "@slack/webhook";

/** A `fetch` the Slack SDK accepts. */
export type SlackFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

let webApi: Promise<typeof import("@slack/web-api")> | undefined;
let webhookApi: Promise<typeof import("@slack/webhook")> | undefined;

// The SDK's clients are loaded on first use: importing this package (as the server does for every
// installed plugin) costs nothing until a Slack notification is actually sent.
export function loadWebApi(): Promise<typeof import("@slack/web-api")> {
  webApi ??= import("@slack/web-api");
  return webApi;
}

export function loadWebhook(): Promise<typeof import("@slack/webhook")> {
  webhookApi ??= import("@slack/webhook");
  return webhookApi;
}

/** The SDK logs warnings on its own; Amstaff reports failures through the errors it throws instead. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => "error" as ReturnType<Logger["getLevel"]>,
  setName: () => {},
};

/**
 * A `fetch` bound to one delivery attempt: every request carries the attempt's signal (server cancellation
 * and timeout), and the last response's headers are kept for `Retry-After`, which `@slack/webhook` drops.
 */
export function boundFetch(
  base: SlackFetch,
  signal: AbortSignal,
): { fetch: SlackFetch; lastRetryAfter: () => string | null } {
  let retryAfter: string | null = null;
  return {
    fetch: async (url, init) => {
      const response = await base(url, {
        ...init,
        signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
      });
      retryAfter = response.headers.get("retry-after");
      return response;
    },
    lastRetryAfter: () => retryAfter,
  };
}

/** A Web API client that makes exactly one request per call: the server owns retries. */
export async function createWebClient(
  token: string,
  apiUrl: string | undefined,
  fetch: SlackFetch,
): Promise<WebClient> {
  const { WebClient } = await loadWebApi();
  return new WebClient(token, {
    ...(apiUrl === undefined ? {} : { slackApiUrl: apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/` }),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    allowAbsoluteUrls: false,
    logger: silentLogger,
    fetch: fetch as never,
  });
}

/** An incoming-webhook client that makes exactly one request per call. */
export async function createIncomingWebhook(
  url: string,
  defaults: { username?: string | undefined; iconEmoji?: string | undefined },
  fetch: SlackFetch,
): Promise<IncomingWebhook> {
  const { IncomingWebhook } = await loadWebhook();
  return new IncomingWebhook(url, {
    ...(defaults.username === undefined ? {} : { username: defaults.username }),
    ...(defaults.iconEmoji === undefined ? {} : { icon_emoji: defaults.iconEmoji }),
    retryConfig: { retries: 0 },
    fetch: fetch as never,
  });
}
