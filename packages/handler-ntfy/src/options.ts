import { type Duration, isDuration, stringOrSecret, templateSchema } from "@amstaff/core";
import { z } from "zod";

/** The id of the ntfy handler plugin, its npm package name. */
export const ntfyPluginId = "@amstaff/handler-ntfy";

/** ntfy's priority names, from least to most urgent; JSON publishing sends them as 1 to 5. */
export const ntfyPriorities = ["min", "low", "default", "high", "max"] as const;

/** An ntfy priority: `max` (5, called "urgent" in the apps) rings through do-not-disturb on Android. */
export type NtfyPriority = (typeof ntfyPriorities)[number];

/**
 * The priority of each status a notification is about, when `priority` does not say otherwise: a
 * `critical` rings through (`max`), a recovery (`ok`) arrives quietly (`low`), and a flapping announcement
 * is `default`: it needs a look, but flap damping exists not to page for it.
 */
export const defaultPriorities = {
  critical: "max",
  warning: "high",
  unknown: "default",
  ok: "low",
  flapping: "default",
} as const satisfies Record<string, NtfyPriority>;

/**
 * The tag put first on each notification, by status: ntfy shows a tag that is an emoji short code as that
 * emoji before the title.
 */
export const statusTags = {
  critical: "rotating_light",
  warning: "warning",
  unknown: "grey_question",
  ok: "white_check_mark",
  flapping: "repeat",
} as const;

/** The public ntfy server. */
export const ntfyServerUrl = "https://ntfy.sh";

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol, hostname, search, hash } = new URL(value);
  return (protocol === "http:" || protocol === "https:") && hostname !== "" && !search && !hash;
}

const priority = z.enum(ntfyPriorities);

/** Validates the options of {@link ntfy} and {@link ntfyHandler}, applying defaults. */
export const ntfyOptionsSchema = z.strictObject({
  /**
   * The topic to publish to: letters, digits, `-` and `_`, at most 64. On a server without access control
   * the topic name is the password: pick one that is hard to guess.
   */
  topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, "1 to 64 letters, digits, - or _"),
  /**
   * The ntfy server, e.g. a self-hosted `"https://ntfy.example.com"` (a base path is kept).
   * @default "https://ntfy.sh"
   */
  server: z
    .string()
    .refine(isHttpUrl, "an http:// or https:// URL without query string")
    .default(ntfyServerUrl),
  /**
   * An access token (`tk_…`) of a user allowed to publish to the topic, sent as `Authorization: Bearer`.
   * Use `secret("NAME")`.
   * @default none: publish anonymously
   */
  token: stringOrSecret.optional(),
  /**
   * The priority of each status, and (`flapping`) of a flapping announcement.
   * @default { critical: "max", warning: "high", unknown: "default", ok: "low", flapping: "default" }
   */
  priority: z
    .strictObject({
      critical: priority.optional(),
      warning: priority.optional(),
      unknown: priority.optional(),
      ok: priority.optional(),
      flapping: priority.optional(),
    })
    .optional(),
  /**
   * The notification's title, a template (see `templateVariables` in `@amstaff/core`).
   * @default "{{TO}}: {{module}} / {{monitor}}" (worded for reminders, escalations, flapping and recoveries)
   */
  title: templateSchema.optional(),
  /**
   * The notification's body, a template; cut to ntfy's 4,096 bytes.
   * @default "{{message}}"; "Recovered from {{FROM}} after {{duration}}: {{message}}" for a recovery
   */
  message: templateSchema.optional(),
  /**
   * Tags added to every notification after the status's emoji and the monitor's tags.
   * @default []
   */
  tags: z.array(z.string().min(1).max(100)).max(10).optional(),
  /**
   * The URL opened when the notification is tapped, a template; nothing when it renders blank.
   * @default "{{link}}" (the monitor in Amstaff, when the server knows its public URL)
   */
  click: templateSchema.optional(),
  /**
   * Render the body as Markdown (the web app does; the Android app shows it as text).
   * @default false
   */
  markdown: z.boolean().default(false),
  /**
   * How long one request may take, e.g. `"10s"`.
   * @default "10s"
   */
  timeout: (
    z.string().refine(isDuration, 'a duration like "10s" or "500ms"') as unknown as z.ZodType<Duration>
  ).default("10s"),
});

/** Options of the ntfy handler, as written in a module file. */
export type NtfyOptions = z.input<typeof ntfyOptionsSchema>;

/** Options of the ntfy handler after validation, defaults applied. */
export type ParsedNtfyOptions = z.output<typeof ntfyOptionsSchema>;
