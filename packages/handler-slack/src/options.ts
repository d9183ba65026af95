import { type Duration, isDuration, secretRefSchema, stringOrSecret, templateSchema } from "@amstaff/core";
import { z } from "zod";

/** The id of the Slack handler plugin, its npm package name. */
export const slackPluginId = "@amstaff/handler-slack";

/** The notification text used when `message` is not set: the sample's own message. */
export const defaultSlackMessage = "{{message}}";

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol, hostname } = new URL(value);
  return (protocol === "http:" || protocol === "https:") && hostname !== "";
}

// Slack only notifies for its own mention syntax; a literal "@here" is just text in a Block Kit message.
const mentionPattern =
  /^(?:<(?:!here|!channel|!everyone|!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+)(?:\|[^<>]*)?>\s*)+$/;

const commonOptions = {
  /**
   * The notification's text, a template with `{{variables}}` (see `templateVariables` in `@amstaff/core`),
   * e.g. `"User service is down: {{message}}"`. It is the first line of the message and the text of the
   * push notification; status, monitor, value, since and tags are always shown around it.
   * @default "{{message}}"
   */
  message: templateSchema.default(defaultSlackMessage),
  /**
   * Who to notify, with Slack's mention syntax, added only when the monitor turns **critical** (or a
   * reminder or escalation finds it critical; never to a flapping announcement):
   * `"<!here>"`, `"<!channel>"`, a user group `"<!subteam^S0123ABC>"`, a user `"<@U0123ABC>"`, or several
   * separated by spaces.
   * @default undefined (no mention)
   */
  mention: z
    .string()
    .trim()
    .max(500)
    .regex(mentionPattern, 'Slack mentions like "<!here>", "<!subteam^S0123ABC>" or "<@U0123ABC>"')
    .optional(),
  /**
   * How long one attempt may take, all Slack calls included, e.g. `"5s"`.
   * @default "10s"
   */
  timeout: (
    z.string().refine(isDuration, 'a duration like "10s" or "500ms"') as unknown as z.ZodType<Duration>
  ).default("10s"),
};

const botOptions = {
  /**
   * A bot token (`xoxb-…`) with the `chat:write` scope. Always a `secret("NAME")` in module files.
   */
  token: stringOrSecret,
  /**
   * Where to post: a channel ID (`"C0123ABCD"`, recommended: it survives renames and enables duplicate
   * detection) or a name (`"#user-service-prod"`). The app must be a member of the channel.
   */
  channel: z.string().trim().min(1).max(200),
  /**
   * The Web API's base URL. Only for a proxy or a local Slack emulator in tests.
   * @default "https://slack.com/api/"
   */
  apiUrl: z.string().refine(isHttpUrl, "an http:// or https:// URL").optional(),
};

const webhookOptions = {
  /**
   * The incoming webhook URL (`https://hooks.slack.com/services/…`). It is a credential: always a
   * `secret("NAME")` in module files. It is never shown in names or error messages.
   */
  webhookUrl: z.union([z.string().refine(isHttpUrl, "an http:// or https:// URL"), secretRefSchema], {
    error: 'an https:// URL or secret("NAME")',
  }),
  /**
   * The sender's display name. Only legacy webhooks honour it; app webhooks post as the app.
   * @default undefined (the webhook's own)
   */
  username: z.string().trim().min(1).max(80).optional(),
  /**
   * The sender's icon as an emoji, e.g. `":rotating_light:"`. Only legacy webhooks honour it.
   * @default undefined (the webhook's own)
   */
  iconEmoji: z
    .string()
    .regex(/^:[a-z0-9_+'-]+:$/, 'an emoji name like ":rotating_light:"')
    .optional(),
};

/** Bot-token mode: `chat.postMessage`, threads, updates and the Acknowledge button. */
export const slackBotOptionsSchema = z.strictObject({ ...botOptions, ...commonOptions });

/** Incoming-webhook mode: one standalone message per notification, no threads or buttons. */
export const slackWebhookOptionsSchema = z.strictObject({ ...webhookOptions, ...commonOptions });

const botOnly = ["token", "channel", "apiUrl"] as const;
const webhookOnly = ["username", "iconEmoji"] as const;

// One object with every option (so each is documented in the server's JSON Schema and each error names
// its option), checked to be exactly one of the two modes.
const anyModeSchema = z
  .strictObject({
    token: botOptions.token.optional(),
    channel: botOptions.channel.optional(),
    apiUrl: botOptions.apiUrl,
    webhookUrl: webhookOptions.webhookUrl.optional(),
    username: webhookOptions.username,
    iconEmoji: webhookOptions.iconEmoji,
    ...commonOptions,
  })
  .superRefine((options, ctx) => {
    if (options.webhookUrl !== undefined) {
      for (const key of botOnly) {
        if (options[key] !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message:
              "not with webhookUrl: use either token + channel (bot mode) or webhookUrl (incoming webhook)",
          });
        }
      }
      return;
    }
    if (options.token === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["token"],
        message:
          'required: a bot token as secret("SLACK_TOKEN") with a channel (bot mode), or set webhookUrl instead (incoming webhook)',
      });
    }
    if (options.channel === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["channel"],
        message: 'required in bot mode: the channel ID ("C0123ABCD") or name ("#alerts") to post to',
      });
    }
    for (const key of webhookOnly) {
      if (options[key] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: "only with webhookUrl: in bot mode messages show the app's own name and icon",
        });
      }
    }
  });

/**
 * Validates the options of {@link slack} and {@link slackHandler}, applying defaults: either bot mode
 * (`token` + `channel`) or webhook mode (`webhookUrl`).
 */
export const slackOptionsSchema = anyModeSchema as unknown as z.ZodType<
  z.output<typeof slackBotOptionsSchema> | z.output<typeof slackWebhookOptionsSchema>,
  z.input<typeof slackBotOptionsSchema> | z.input<typeof slackWebhookOptionsSchema>
>;

/** Options of the Slack handler in bot mode, as written in a module file. */
export type SlackBotOptions = z.input<typeof slackBotOptionsSchema>;

/** Options of the Slack handler in incoming-webhook mode, as written in a module file. */
export type SlackWebhookOptions = z.input<typeof slackWebhookOptionsSchema>;

/** Options of the Slack handler, as written in a module file: bot mode or webhook mode. */
export type SlackOptions = z.input<typeof slackOptionsSchema>;

/** Options of the Slack handler after validation, defaults applied. */
export type ParsedSlackOptions = z.output<typeof slackOptionsSchema>;
