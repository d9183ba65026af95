import { type Duration, isDuration, isSecretRef, stringOrSecret, templateSchema } from "@amstaff/core";
import { z } from "zod";

/** The id of the Discord handler plugin, its npm package name. */
export const discordPluginId = "@amstaff/handler-discord";

/**
 * A webhook URL as Discord shows it (`https://discord.com/api/webhooks/{id}/{token}`), optionally with an
 * API version (`/api/v10/…`); any http(s) origin, so a proxy or a test server can stand in for Discord.
 */
export const webhookUrlPattern = /^https?:\/\/[^/?#]+(\/[^?#]*)?\/webhooks\/(\d{1,20})\/([\w-]{1,200})\/?$/;

/** What a recovery does to the alert's message in Discord. */
export const resolveModes = ["edit", "post", "both"] as const;

/** `edit` the alert's message into a resolved card, `post` a recovery message, or `both`. */
export type ResolveMode = (typeof resolveModes)[number];

const snowflake = z.string().regex(/^\d{1,20}$/, "a Discord id (digits)");

/** Validates the options of {@link discord} and {@link discordHandler}, applying defaults. */
export const discordOptionsSchema = z.strictObject({
  /**
   * The channel's webhook URL (Channel settings → Integrations → Webhooks → Copy Webhook URL). It holds the
   * webhook's token: use `secret("NAME")`.
   */
  url: stringOrSecret.refine(
    (value) => isSecretRef(value) || webhookUrlPattern.test(value),
    "a Discord webhook URL like https://discord.com/api/webhooks/{id}/{token}",
  ),
  /**
   * Post into this thread of the webhook's channel (a forum post or a thread) instead of the channel.
   * @default none: the channel itself
   */
  threadId: snowflake.optional(),
  /**
   * The name the messages are posted under.
   * @default the webhook's name
   */
  username: z.string().min(1).max(80).optional(),
  /**
   * The avatar the messages are posted with, an image URL.
   * @default the webhook's avatar
   */
  avatarUrl: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * Who alerts ping: user and role ids. Nothing else is ever pinged (`allowed_mentions` lists only these):
   * an `@everyone` in a monitor's message stays text. Recoveries ping no one.
   * @default no one
   */
  mentions: z
    .strictObject({
      users: z.array(snowflake).max(100).optional(),
      roles: z.array(snowflake).max(100).optional(),
    })
    .optional(),
  /**
   * The embed's title, a template (see `templateVariables` in `@amstaff/core`); cut at 256 characters.
   * @default "{{TO}}: {{module}} / {{monitor}}" (worded for reminders, escalations, flapping and recoveries)
   */
  title: templateSchema.optional(),
  /**
   * The embed's description, a template; cut at 4,096 characters.
   * @default "{{message}}"; "Recovered from {{FROM}} after {{duration}}: {{message}}" for a recovery
   */
  description: templateSchema.optional(),
  /**
   * What a recovery does: `edit` the alert's message into a resolved card (edits notify no one), `post` a
   * recovery message (it notifies), or `both`.
   * @default "both"
   */
  resolve: z.enum(resolveModes).default("both"),
  /**
   * How long one request may take, e.g. `"10s"`.
   * @default "10s"
   */
  timeout: (
    z.string().refine(isDuration, 'a duration like "10s" or "500ms"') as unknown as z.ZodType<Duration>
  ).default("10s"),
});

/** Options of the Discord handler, as written in a module file. */
export type DiscordOptions = z.input<typeof discordOptionsSchema>;

/** Options of the Discord handler after validation, defaults applied. */
export type ParsedDiscordOptions = z.output<typeof discordOptionsSchema>;
