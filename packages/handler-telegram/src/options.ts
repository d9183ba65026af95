import { type Duration, isDuration, isSecretRef, stringOrSecret, templateSchema } from "@amstaff/core";
import { z } from "zod";

/** The id of the Telegram handler plugin, its npm package name. */
export const telegramPluginId = "@amstaff/handler-telegram";

/** The public Bot API server. */
export const telegramApiUrl = "https://api.telegram.org";

/** The formatting modes the handler writes; every text it takes from a module is escaped for the mode. */
export const parseModes = ["HTML", "MarkdownV2"] as const;

/** Telegram's `parse_mode`: `HTML` or `MarkdownV2`. */
export type ParseMode = (typeof parseModes)[number];

/** A bot token as @BotFather gives it: the bot's id, a colon, and 35 or so letters, digits, `-` and `_`. */
export const botTokenPattern = /^\d{1,20}:[\w-]{20,100}$/;

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol, hostname, search, hash } = new URL(value);
  return (protocol === "http:" || protocol === "https:") && hostname !== "" && !search && !hash;
}

/** Validates the options of {@link telegram} and {@link telegramHandler}, applying defaults. */
export const telegramOptionsSchema = z.strictObject({
  /**
   * The bot's token from @BotFather (`123456789:AA…`). Anyone holding it controls the bot: use
   * `secret("NAME")`.
   */
  token: stringOrSecret.refine(
    (value) => isSecretRef(value) || botTokenPattern.test(value),
    'a bot token like 123456789:AAHn…, best as secret("NAME")',
  ),
  /**
   * The chat to post to: its numeric id (a group's is negative, a supergroup's or channel's starts with
   * -100) or a public channel's `@username`.
   */
  chatId: z.union([
    z.int(),
    z.string().regex(/^(-?\d{1,20}|@\w{4,32})$/, "a numeric chat id or a public channel's @username"),
  ]),
  /**
   * The forum topic of a supergroup to post into.
   * @default none: the chat's general topic
   */
  messageThreadId: z.int().positive().optional(),
  /**
   * How the message is formatted; every text from the module (names, messages, tags) is escaped for it.
   * @default "HTML"
   */
  parseMode: z.enum(parseModes).default("HTML"),
  /**
   * Send recoveries silently (`disable_notification`): they arrive without a sound.
   * @default true
   */
  quietRecoveries: z.boolean().default(true),
  /**
   * The first, bold line, a template (see `templateVariables` in `@amstaff/core`).
   * @default "{{TO}}: {{module}} / {{monitor}}" (worded for reminders, escalations, flapping and recoveries)
   */
  title: templateSchema.optional(),
  /**
   * The text under it, a template; the whole message is cut to Telegram's 4,096 characters.
   * @default "{{message}}"; "Recovered from {{FROM}} after {{duration}}: {{message}}" for a recovery
   */
  message: templateSchema.optional(),
  /**
   * The Bot API server, e.g. a self-hosted `telegram-bot-api` (a base path is kept).
   * @default "https://api.telegram.org"
   */
  apiUrl: z.string().refine(isHttpUrl, "an http(s) URL without query or fragment").default(telegramApiUrl),
  /**
   * How long one request may take, e.g. `"10s"`.
   * @default "10s"
   */
  timeout: (
    z.string().refine(isDuration, 'a duration like "10s" or "500ms"') as unknown as z.ZodType<Duration>
  ).default("10s"),
});

/** Options of the Telegram handler, as written in a module file. */
export type TelegramOptions = z.input<typeof telegramOptionsSchema>;

/** Options of the Telegram handler after validation, defaults applied. */
export type ParsedTelegramOptions = z.output<typeof telegramOptionsSchema>;
