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
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { type SlackOptions, slackOptionsSchema, slackPluginId } from "./options.js";
import { boundFetch, createIncomingWebhook, createWebClient, type SlackFetch } from "./slackClients.js";
import { type CallSite, deliveryError, platformErrorCode } from "./slackErrors.js";
import { renderSlackMessage, type SlackMessageContent, type SlackMessageOptions } from "./slackMessage.js";

/** The `event_type` of the metadata every message carries, with the delivery's idempotency key. */
export const slackMetadataEventType = "amstaff_notification";

/** What the Slack handler returns for an alert posted in bot mode, and gets back for later deliveries. */
export interface SlackReceipt {
  /** The channel ID the alert was posted in. */
  channel: string;
  /** The alert message's timestamp: the thread that recoveries and reminders go to. */
  ts: string;
  [key: string]: string;
}

const receiptSchema = z.object({ channel: z.string().min(1), ts: z.string().min(1) });

const postResultSchema = z.object({ channel: z.string().min(1), ts: z.string().min(1) });

const historySchema = z.object({
  messages: z
    .array(
      z.object({
        ts: z.string(),
        metadata: z
          .object({
            event_type: z.string().optional(),
            event_payload: z.record(z.string(), z.unknown()).optional(),
          })
          .optional(),
      }),
    )
    .default([]),
});

/** Dependencies of {@link slackHandler} that tests and embedders may replace. */
export interface SlackHandlerRuntime {
  /**
   * Where `secret("NAME")` references are read from.
   * @default the process environment
   */
  secrets?: SecretSource;
  /**
   * The `fetch` Slack requests go through (a proxy-aware one, for example).
   * @default globalThis.fetch
   */
  fetch?: SlackFetch;
  /**
   * The clock, in milliseconds since the epoch.
   * @default Date.now
   */
  now?: () => number;
}

/**
 * Creates a handler that posts each transition to Slack as a Block Kit message (see the README for what
 * it looks like). Validates `options` and resolves their `secret("NAME")` references from the environment.
 *
 * In bot mode (`token` + `channel`) the first notification of an incident this handler hears of (an alert,
 * an `escalation`, a `flapping` announcement) is a new message with an Acknowledge button, and the handler
 * returns `{ channel, ts }` as its receipt; later changes of status, reminders and the recovery are replies
 * in that message's thread, and the message itself is updated to show the current status. In webhook mode
 * (`webhookUrl`) every notification is a new message.
 *
 * One call of `notify` is one attempt: a failure throws `AmstaffError` `AMS_ERR_DELIVERY_FAILED`, retryable
 * for rate limits (with `retryAfterMs`), Slack's 5xx and network errors, not retryable for configuration
 * errors (`channel_not_found`, `not_in_channel`, `invalid_auth`, a revoked webhook, …), whose message says
 * what to fix.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` for invalid options, `AMS_ERR_SECRET_MISSING` for an unset secret.
 * @example
 * ```ts
 * const handler = slackHandler({ token: secret("SLACK_TOKEN"), channel: "C0123ABCD", mention: "<!here>" });
 * const receipt = await handler.notify(transition, { signal, idempotencyKey, attempt: 1 });
 * ```
 */
export function slackHandler(options: SlackOptions, runtime: SlackHandlerRuntime = {}): SampleHandler {
  const parsed = parsePluginOptions({ id: slackPluginId, options: slackOptionsSchema }, options);
  const resolved = resolveSecrets(parsed, runtime.secrets);
  const now = runtime.now ?? Date.now;
  const baseFetch: SlackFetch = runtime.fetch ?? ((url, init) => fetch(url, init));
  const timeoutMs = parseDuration(resolved.timeout);

  const attemptSignals = (context: NotifyContext) => {
    const timedOut = AbortSignal.timeout(timeoutMs);
    return { timedOut, signal: AbortSignal.any([context.signal, timedOut]) };
  };
  const messageOptions = (interactive: boolean): SlackMessageOptions => ({
    template: resolved.message,
    mention: resolved.mention,
    interactive,
    now: now(),
  });
  const abortedBeforeStart = (name: string) =>
    new AmstaffError("AMS_ERR_DELIVERY_FAILED", `${name}: delivery aborted before it started`, {
      retryable: true,
    });

  if (isWebhookMode(resolved)) {
    const webhookUrl = resolved.webhookUrl;
    if (!/^https?:\/\/[^/]/.test(webhookUrl) || !URL.canParse(webhookUrl)) {
      throw new AmstaffError(
        "AMS_ERR_PLUGIN_OPTIONS",
        `Invalid options for ${slackPluginId}: webhookUrl: the secret's value is not an https:// URL; copy the webhook URL from the app's Incoming Webhooks page`,
      );
    }
    const name = "slack webhook";
    return {
      name,
      async notify(transition: Transition, context: NotifyContext): Promise<void> {
        // An incoming webhook cannot edit what it posted: the acknowledgement shows on the next message.
        if (transition.kind === "acknowledged") return;
        if (context.signal.aborted) throw abortedBeforeStart(name);
        const { signal, timedOut } = attemptSignals(context);
        const bound = boundFetch(baseFetch, signal);
        const site: CallSite = {
          handler: name,
          call: "webhook",
          channel: "the webhook's channel",
          secrets: [webhookUrl, new URL(webhookUrl).pathname],
          cancelled: context.signal,
          timedOut,
          timeout: resolved.timeout,
          now: now(),
        };
        try {
          const webhook = await createIncomingWebhook(
            webhookUrl,
            { username: resolved.username, iconEmoji: resolved.iconEmoji },
            bound.fetch,
          );
          const content = renderSlackMessage(transition, "message", messageOptions(false));
          await webhook.send({
            text: content.text,
            blocks: content.blocks as never,
            ...(content.attachments ? { attachments: content.attachments as never } : {}),
            unfurl_links: false,
            unfurl_media: false,
          });
        } catch (error) {
          throw deliveryError(
            error,
            { ...site, now: now() },
            { webhook: true, retryAfter: bound.lastRetryAfter() },
          );
        }
      },
    };
  }

  const { token, channel, apiUrl } = resolved;
  const name = `slack ${channel}`;

  return {
    name,
    async notify(transition: Transition, context: NotifyContext): Promise<DeliveryReceipt | undefined> {
      if (context.signal.aborted) throw abortedBeforeStart(name);
      const { signal, timedOut } = attemptSignals(context);
      const bound = boundFetch(baseFetch, signal);
      const client = await createWebClient(token, apiUrl, bound.fetch);
      const receipt = receiptSchema.safeParse(context.receipt);
      const site = (call: string, where: string): CallSite => ({
        handler: name,
        call,
        channel: where,
        secrets: [token],
        cancelled: context.signal,
        timedOut,
        timeout: resolved.timeout,
        now: now(),
      });
      const call = async <T>(method: string, where: string, run: () => Promise<T>): Promise<T> => {
        try {
          return await run();
        } catch (error) {
          throw deliveryError(error, site(method, where), {});
        }
      };
      const metadata = {
        event_type: slackMetadataEventType,
        event_payload: {
          key: context.idempotencyKey,
          incident: transition.incident?.key ?? "",
          to: transition.to,
        },
      };

      // An acknowledgement only updates the alert (it shows who, and drops the button): nothing to post.
      if (transition.kind === "acknowledged" && !receipt.success) return undefined;
      if (!receipt.success) {
        if (context.attempt > 1) {
          const existing = await findPosted(client, {
            channel,
            key: context.idempotencyKey,
            since: transition.since,
          });
          if (existing) return { channel: existing.channel, ts: existing.ts } satisfies SlackReceipt;
        }
        const content = renderSlackMessage(transition, "message", messageOptions(true));
        const posted = await call("chat.postMessage", channel, () =>
          client.apiCall("chat.postMessage", { channel, ...message(content), metadata }),
        );
        const result = postResultSchema.safeParse(posted);
        if (!result.success) {
          throw new AmstaffError(
            "AMS_ERR_DELIVERY_FAILED",
            `${name}: chat.postMessage answered without channel and ts`,
            {
              retryable: false,
            },
          );
        }
        return { channel: result.data.channel, ts: result.data.ts } satisfies SlackReceipt;
      }

      const thread = receipt.data;
      // The update comes first because it is idempotent: a retry after a failed reply repeats only the update.
      if (transition.kind !== "reminder" && transition.kind !== "escalation") {
        const original = renderSlackMessage(transition, "original", messageOptions(true));
        try {
          await client.apiCall("chat.update", {
            channel: thread.channel,
            ts: thread.ts,
            ...message(original),
          });
        } catch (error) {
          const code = platformErrorCode(error);
          // A deleted or no longer editable alert must not hold back the recovery notice itself.
          if (
            code !== "message_not_found" &&
            code !== "cant_update_message" &&
            code !== "edit_window_closed"
          ) {
            throw deliveryError(error, site("chat.update", thread.channel), {});
          }
        }
      }
      if (transition.kind === "acknowledged") return undefined;
      if (context.attempt > 1) {
        const existing = await findPosted(client, {
          channel: thread.channel,
          key: context.idempotencyKey,
          since: transition.since,
          thread: thread.ts,
        });
        if (existing) return;
      }
      const reply = renderSlackMessage(transition, "reply", messageOptions(true));
      await call("chat.postMessage", thread.channel, () =>
        client.apiCall("chat.postMessage", {
          channel: thread.channel,
          thread_ts: thread.ts,
          ...(broadcast(transition) ? { reply_broadcast: true } : {}),
          ...message(reply),
          metadata,
        }),
      );
    },
  };
}

function isWebhookMode<T extends object>(options: T): options is Extract<T, { webhookUrl: string }> {
  return typeof (options as { webhookUrl?: unknown }).webhookUrl === "string";
}

// Reminders, escalations and a change to critical (also the end of flapping at critical) exist to get
// attention again: they also show in the channel. A flapping announcement does not: flap damping is
// there to keep a restless monitor quiet.
function broadcast(transition: Transition): boolean {
  if (transition.kind === "reminder" || transition.kind === "escalation") return true;
  if (transition.kind === "flapping") return false;
  return transition.to === "critical";
}

function message(content: SlackMessageContent): Record<string, unknown> {
  return {
    text: content.text,
    blocks: content.blocks,
    ...(content.attachments ? { attachments: content.attachments } : {}),
    unfurl_links: false,
    unfurl_media: false,
  };
}

/**
 * Looks for a message this handler already posted for the same delivery (a retry after a crash between
 * Slack's answer and the server recording it). Best effort: any failure (a channel name instead of an ID,
 * no `channels:history` scope, Slack's tight rate limit on history reads) means "not found", because a
 * duplicate alert is better than a missing one.
 */
async function findPosted(
  client: WebClient,
  query: { channel: string; key: string; since: number; thread?: string },
): Promise<{ channel: string; ts: string } | undefined> {
  try {
    const oldest = String(Math.max(0, Math.floor(query.since / 1000) - 60));
    const answer = query.thread
      ? await client.apiCall("conversations.replies", {
          channel: query.channel,
          ts: query.thread,
          oldest,
          limit: 100,
          include_all_metadata: true,
        })
      : await client.apiCall("conversations.history", {
          channel: query.channel,
          oldest,
          limit: 100,
          include_all_metadata: true,
        });
    const history = historySchema.safeParse(answer);
    if (!history.success) return undefined;
    const found = history.data.messages.find(
      (m) =>
        m.metadata?.event_type === slackMetadataEventType &&
        m.metadata.event_payload?.key === query.key &&
        m.ts !== query.thread,
    );
    return found ? { channel: query.channel, ts: found.ts } : undefined;
  } catch {
    return undefined;
  }
}
