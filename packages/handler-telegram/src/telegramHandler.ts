import {
  AmstaffError,
  type DeliveryReceipt,
  type NotifyContext,
  parseDuration,
  parsePluginOptions,
  parseRetryAfter,
  resolveSecrets,
  type SampleHandler,
  type SecretSource,
  type Transition,
} from "@amstaff/core";
import { bodyExcerpt, type Dispatcher, type HttpAnswer, HttpDelivery } from "@amstaff/plugin-http";
import { botTokenPattern, type TelegramOptions, telegramOptionsSchema, telegramPluginId } from "./options.js";
import { sendMessageRequest } from "./sendMessage.js";
import { packageVersion } from "./version.js";

/** Dependencies of {@link telegramHandler} that tests and embedders may replace. */
export interface TelegramHandlerRuntime {
  /**
   * The undici dispatcher requests go through.
   * @default the keep-alive agent shared by every HTTP handler of the process
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
 * What the Telegram handler returns from a delivery. The server hands the first one of an incident (the
 * alert's) back to its later deliveries, so they reply to the alert's message.
 */
export interface TelegramReceipt extends DeliveryReceipt {
  /** The id of the message sent. */
  messageId: number;
  /** The chat it is in, as Telegram answered it. */
  chatId: number | string;
}

/** The Bot API's answer envelope (https://core.telegram.org/bots/api#making-requests). */
interface BotApiAnswer {
  ok?: unknown;
  result?: { message_id?: unknown; chat?: { id?: unknown } };
  error_code?: unknown;
  description?: unknown;
  parameters?: { retry_after?: unknown; migrate_to_chat_id?: unknown };
}

/**
 * Creates a handler that sends a monitor's notifications to a Telegram chat through a bot (Bot API
 * `sendMessage`): a bold title, the message, status, value, incident and tags, and a link to the monitor,
 * in HTML or MarkdownV2 with every text from the module escaped. Later deliveries of an incident (reminders,
 * escalations, the recovery) reply to the alert's message, from the alert's receipt; recoveries arrive
 * silently. A first status of `ok` sends nothing.
 *
 * One call of `notify` is one attempt: failures throw `AmstaffError` `AMS_ERR_DELIVERY_FAILED`, retryable
 * for network errors, timeouts, HTTP 408, 429 (with `retryAfterMs` from the answer's
 * `parameters.retry_after`, or `Retry-After`) and 5xx, not retryable for 400, 401, 403, 404 and other 4xx.
 * The bot token is never in a message or a log.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` for invalid options or a secret that is no bot token,
 * `AMS_ERR_SECRET_MISSING` for an unset secret.
 * @example
 * ```ts
 * const handler = telegramHandler({ token: { $secret: "TELEGRAM_BOT_TOKEN" }, chatId: -1001234567890 });
 * await handler.notify(transition, { signal, idempotencyKey: transition.id, attempt: 1 });
 * ```
 */
export function telegramHandler(
  options: TelegramOptions,
  runtime: TelegramHandlerRuntime = {},
): SampleHandler {
  const parsed = parsePluginOptions({ id: telegramPluginId, options: telegramOptionsSchema }, options);
  const resolved = resolveSecrets(parsed, runtime.secrets);
  const token = resolved.token.trim();
  if (!botTokenPattern.test(token)) {
    // Never the value: it is the bot's credential.
    throw new AmstaffError(
      "AMS_ERR_PLUGIN_OPTIONS",
      `Invalid options for ${telegramPluginId}: token: not a bot token like 123456789:AAHn… (from @BotFather)`,
    );
  }
  const base = new URL(resolved.apiUrl);
  const api = `${base.origin}${base.pathname.replace(/\/+$/, "")}`;
  const chat = String(resolved.chatId);
  const http = new HttpDelivery({
    label: `telegram ${api} chat ${chat}`,
    // The token is part of every URL: an error (or a proxy's error page) must never show it.
    secrets: [token],
    details: { api, chatId: chat },
    timeout: resolved.timeout,
    timeoutMs: parseDuration(resolved.timeout),
    dispatcher: runtime.dispatcher,
    now: runtime.now,
  });

  return {
    name: `telegram chat ${chat}`,
    async notify(transition: Transition, context: NotifyContext): Promise<TelegramReceipt | undefined> {
      // Nothing was sent for a monitor whose first status is ok.
      if (transition.to === "ok" && transition.from === "pending" && context.receipt === undefined)
        return undefined;
      const body = sendMessageRequest(transition, resolved, context.receipt);
      const what = body.reply_parameters
        ? `replying to message ${body.reply_parameters.message_id}`
        : "sending a message";
      const answer = await http.send<BotApiAnswer>(
        {
          url: `${api}/bot${token}/sendMessage`,
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            "user-agent": `amstaff-handler-telegram/${packageVersion}`,
          },
          body: JSON.stringify(body),
        },
        what,
        context.signal,
      );
      const result = answer.body?.result;
      if (answer.status >= 200 && answer.status < 300 && answer.body?.ok === true) {
        return {
          messageId: typeof result?.message_id === "number" ? result.message_id : 0,
          chatId: typeof result?.chat?.id === "number" ? result.chat.id : resolved.chatId,
        };
      }
      throw http.refusal(answer, what, {
        service: "Telegram",
        rateLimited: "Telegram is rate-limiting this bot",
        said: explain(answer),
        advice: (status) => advice(status, answer.body),
        retryAfterMs: (a) =>
          parseRetryAfter(
            typeof a.body?.parameters?.retry_after === "number"
              ? a.body.parameters.retry_after
              : a.headers["retry-after"],
            http.now(),
          ),
      });
    },
  };
}

function explain(answer: HttpAnswer<BotApiAnswer>): string {
  const { body } = answer;
  if (typeof body?.description !== "string") return bodyExcerpt(answer.text);
  return body.description;
}

function advice(status: number, body: BotApiAnswer | undefined): string {
  const migrated = body?.parameters?.migrate_to_chat_id;
  if (migrated !== undefined) return `the group became a supergroup: set chatId to ${String(migrated)}`;
  switch (status) {
    case 401:
      return "the bot token was refused: check token (from @BotFather)";
    case 403:
      return "the bot may not post in this chat: add it to the chat (or unblock it), with the right to post";
    case 404:
      return "not found: check token and apiUrl";
    case 400:
      return "Telegram refused the message: check chatId and messageThreadId";
    default:
      return "Telegram refused the request";
  }
}
