import { type Duration, isDuration, stringOrSecret } from "@amstaff/core";
import { z } from "zod";

/** The id of the ntfy handler plugin, its npm package name. */
export const ntfyPluginId = "amstaff-handler-ntfy";

/** Validates the options of the ntfy handler and applies their defaults. */
export const ntfyOptionsSchema = z.strictObject({
  /**
   * The topic to publish to: phones subscribed to it get the notification.
   * @example "payments-alerts"
   */
  topic: z.string().regex(/^[\w-]{1,64}$/, "a topic name: letters, digits, _ and -, at most 64"),
  /**
   * The ntfy server.
   * @default "https://ntfy.sh"
   */
  server: z.url({ protocol: /^https?$/, error: "an http(s) URL" }).default("https://ntfy.sh"),
  /**
   * An access token for a protected topic, sent as `Authorization: Bearer …`. Use `secret("NAME")`.
   * @default undefined (no authorization)
   */
  token: stringOrSecret.optional(),
  /**
   * How long one delivery attempt may take.
   * @default "10s"
   */
  timeout: (
    z.string().refine(isDuration, 'a duration like "10s" or "500ms"') as unknown as z.ZodType<Duration>
  ).default("10s"),
});

/** Options of the ntfy handler, as users write them. */
export type NtfyOptions = z.input<typeof ntfyOptionsSchema>;

/** Options of the ntfy handler after validation, defaults applied. */
export type ParsedNtfyOptions = z.output<typeof ntfyOptionsSchema>;
