import { AmstaffError, parseRetryAfter } from "@amstaff/core";

/** What went wrong with one Slack call, before it becomes an {@link AmstaffError}. */
interface Classified {
  message: string;
  retryable: boolean;
  retryAfterMs?: number | undefined;
}

/** Where a failed call was going, to word its error. */
export interface CallSite {
  /** The handler's name, e.g. `slack #alerts`. */
  handler: string;
  /** The Web API method, e.g. `chat.postMessage`, or `webhook`. */
  call: string;
  /** The channel as configured or as received in the receipt. */
  channel: string;
  /** Values that must never appear in a message (the token, the webhook URL). */
  secrets: readonly string[];
  /** Aborted when the server cancelled the attempt. */
  cancelled: AbortSignal;
  /** Aborted when the attempt's own timeout elapsed. */
  timedOut: AbortSignal;
  /** The configured timeout, e.g. `"10s"`. */
  timeout: string;
  now: number;
}

const transientPlatformErrors = new Set([
  "ratelimited",
  "rate_limited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
  "timeout",
]);

const badMessageErrors = new Set([
  "invalid_blocks",
  "invalid_blocks_format",
  "invalid_attachments",
  "invalid_arguments",
  "invalid_metadata_format",
  "invalid_metadata_schema",
  "metadata_too_large",
  "msg_too_long",
  "no_text",
  "too_many_attachments",
  "invalid_form_data",
  "invalid_post_type",
]);

function platformAdvice(code: string, site: CallSite, needed: string | undefined): Classified {
  const channel = site.channel;
  switch (code) {
    case "channel_not_found":
      return {
        retryable: false,
        message: `channel ${channel} was not found (channel_not_found): check the channel option (prefer the channel ID, "C…", from the channel's details) and, for a private channel, invite the app with /invite @your-app`,
      };
    case "not_in_channel":
      return {
        retryable: false,
        message: `the app is not a member of ${channel} (not_in_channel): invite it with /invite @your-app in ${channel}, or add the chat:write.public scope for public channels`,
      };
    case "is_archived":
    case "channel_is_archived":
      return {
        retryable: false,
        message: `${channel} is archived (${code}): unarchive it or point the handler to another channel`,
      };
    case "invalid_auth":
    case "not_authed":
      return {
        retryable: false,
        message: `Slack rejected the token (${code}): check that the token secret holds the app's Bot User OAuth Token (xoxb-…) and that the app is installed in the workspace`,
      };
    case "account_inactive":
    case "token_revoked":
      return {
        retryable: false,
        message: `the token is no longer valid (${code}): the app was uninstalled or its user deactivated; reinstall the app and update the token secret`,
      };
    case "token_expired":
      return {
        retryable: false,
        message:
          "the token expired (token_expired): the app uses token rotation; turn it off or give Amstaff a fresh bot token",
      };
    case "missing_scope":
      return {
        retryable: false,
        message: `the token lacks the ${needed ?? "needed"} scope (missing_scope): add it under OAuth & Permissions in the app's settings and reinstall the app`,
      };
    case "restricted_action":
    case "no_permission":
    case "ekm_access_denied":
    case "team_access_not_granted":
    case "access_denied":
      return {
        retryable: false,
        message: `the workspace does not let the app post in ${channel} (${code}): ask a Slack admin to allow it`,
      };
    case "message_not_found":
    case "cant_update_message":
    case "edit_window_closed":
      return { retryable: false, message: `the alert message can no longer be edited (${code})` };
    default:
      if (transientPlatformErrors.has(code)) {
        return { retryable: true, message: `Slack had a temporary problem (${code})` };
      }
      if (badMessageErrors.has(code)) {
        return {
          retryable: false,
          message: `Slack refused the message (${code}): this is a bug in @amstaff/handler-slack, please report it`,
        };
      }
      return { retryable: false, message: `Slack answered ${code}` };
  }
}

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const { code, errors, cause } = current as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === "string" && !code.startsWith("slack_")) return code;
    current = Array.isArray(errors) && errors.length > 0 ? errors[0] : cause;
  }
  return undefined;
}

function aborted(site: CallSite): Classified | undefined {
  if (site.cancelled.aborted) return { retryable: true, message: "delivery aborted" };
  if (site.timedOut.aborted) {
    return { retryable: true, message: `Slack did not answer within ${site.timeout} (timeout)` };
  }
  return undefined;
}

function network(error: unknown): Classified {
  const code = networkCode(error);
  return {
    retryable: true,
    message: `could not reach Slack${code ? ` (${code})` : ""}`,
  };
}

/** Classifies an error thrown by `@slack/web-api`'s `WebClient`. */
function classifyWebApi(error: unknown, site: CallSite): Classified {
  const e = error as {
    code?: unknown;
    data?: { error?: unknown; needed?: unknown };
    retryAfter?: unknown;
    statusCode?: unknown;
  };
  switch (e.code) {
    case "slack_webapi_platform_error": {
      const code = typeof e.data?.error === "string" ? e.data.error : "unknown_error";
      return platformAdvice(code, site, typeof e.data?.needed === "string" ? e.data.needed : undefined);
    }
    case "slack_webapi_rate_limited_error":
      return {
        retryable: true,
        message: "Slack rate-limited the app (ratelimited, HTTP 429)",
        retryAfterMs: parseRetryAfter(typeof e.retryAfter === "number" ? e.retryAfter : undefined, site.now),
      };
    case "slack_webapi_http_error": {
      const status = typeof e.statusCode === "number" ? e.statusCode : 0;
      if (status === 408 || status >= 500) {
        return { retryable: true, message: `Slack answered HTTP ${status}` };
      }
      return {
        retryable: false,
        message: `Slack answered HTTP ${status}${status === 404 ? ": check the apiUrl option" : ""}`,
      };
    }
    case "slack_webapi_request_error":
      return aborted(site) ?? network(error);
    default:
      // The client throws a plain Error for a 429 without a readable Retry-After.
      return aborted(site) ?? { retryable: true, message: "the Slack call failed" };
  }
}

const webhookErrors: Record<string, Classified> = {
  no_service: {
    retryable: false,
    message:
      "the webhook URL is no longer valid (no_service): the webhook was removed or the app uninstalled; create a new incoming webhook and update the webhookUrl secret",
  },
  no_service_id: {
    retryable: false,
    message:
      "the webhook URL is malformed (no_service_id): copy it again from the app's Incoming Webhooks page",
  },
  no_team: {
    retryable: false,
    message: "the webhook's workspace no longer exists (no_team): create a new incoming webhook",
  },
  team_disabled: {
    retryable: false,
    message: "the webhook's workspace is disabled (team_disabled): create a new incoming webhook",
  },
  invalid_token: {
    retryable: false,
    message: "the webhook URL's token is invalid (invalid_token): copy the URL again or create a new webhook",
  },
  action_prohibited: {
    retryable: false,
    message:
      "a Slack admin restricted posting to the webhook's channel (action_prohibited): ask them to allow the app, or use another channel",
  },
  posting_to_general_channel_denied: {
    retryable: false,
    message:
      "only admins may post in the webhook's channel (posting_to_general_channel_denied): create a webhook for another channel",
  },
  channel_not_found: {
    retryable: false,
    message: "the webhook's channel no longer exists (channel_not_found): create a new incoming webhook",
  },
  channel_is_archived: {
    retryable: false,
    message:
      "the webhook's channel is archived (channel_is_archived): unarchive it or create a webhook for another channel",
  },
  user_not_found: {
    retryable: false,
    message: "the webhook's user no longer exists (user_not_found): create a new incoming webhook",
  },
  invalid_payload: {
    retryable: false,
    message:
      "Slack refused the message (invalid_payload): this is a bug in @amstaff/handler-slack, please report it",
  },
};

/** Classifies an error thrown by `@slack/webhook`'s `IncomingWebhook`. */
function classifyWebhook(error: unknown, site: CallSite, retryAfter: string | null | undefined): Classified {
  const e = error as { code?: unknown; statusCode?: unknown; body?: unknown };
  if (e.code === "slack_webhook_http_error") {
    const status = typeof e.statusCode === "number" ? e.statusCode : 0;
    const body = typeof e.body === "string" ? e.body.trim() : "";
    if (status === 429) {
      return {
        retryable: true,
        message: "Slack rate-limited the webhook (HTTP 429)",
        retryAfterMs: parseRetryAfter(retryAfter, site.now),
      };
    }
    if (status === 408 || status >= 500) {
      return { retryable: true, message: `Slack answered HTTP ${status}` };
    }
    const known = /^[a-z_]+$/.test(body) ? webhookErrors[body] : undefined;
    if (known) return known;
    return {
      retryable: false,
      message: `Slack answered HTTP ${status}${/^[a-z_]{1,64}$/.test(body) ? ` (${body})` : ""}`,
    };
  }
  return aborted(site) ?? network(error);
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  return out;
}

/**
 * Turns an error of the Slack SDK into the `AMS_ERR_DELIVERY_FAILED` error the server acts on: retryable
 * or not, with `retryAfterMs` from Slack's `Retry-After`, and a message that says what to do. The SDK's
 * error is not kept as `cause`: its fields may carry request details.
 */
export function deliveryError(
  error: unknown,
  site: CallSite,
  options: { webhook?: boolean; retryAfter?: string | null | undefined } = {},
): AmstaffError {
  const classified = options.webhook
    ? classifyWebhook(error, site, options.retryAfter)
    : classifyWebApi(error, site);
  const message = redact(`${site.handler}: ${site.call} failed: ${classified.message}`, site.secrets);
  return new AmstaffError("AMS_ERR_DELIVERY_FAILED", message, {
    retryable: classified.retryable,
    ...(classified.retryAfterMs === undefined ? {} : { retryAfterMs: classified.retryAfterMs }),
    details: { call: site.call, retryable: classified.retryable },
  });
}

/** The Slack error code (`channel_not_found`, …) of a Web API platform error, if it is one. */
export function platformErrorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; data?: { error?: unknown } } | null;
  return e?.code === "slack_webapi_platform_error" && typeof e.data?.error === "string"
    ? e.data.error
    : undefined;
}
