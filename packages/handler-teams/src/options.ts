import { type Duration, isDuration, isSecretRef, stringOrSecret, templateSchema } from "@amstaff/core";
import { z } from "zod";

/** The id of the Teams handler plugin, its npm package name. */
export const teamsPluginId = "@amstaff/handler-teams";

/** The Adaptive Card versions the handler writes: 1.4 shows on every Teams client, 1.5 on most. */
export const cardVersions = ["1.4", "1.5"] as const;

/** An Adaptive Card schema version. */
export type CardVersion = (typeof cardVersions)[number];

/**
 * Whether `value` is a Workflows webhook URL: http(s), with the `sig` query parameter that signs it (the
 * trigger "When a Teams webhook request is received" shows such a URL). Any origin, so a proxy or a test
 * server can stand in for Power Automate.
 */
export function isWorkflowUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === "https:" || url.protocol === "http:") && url.searchParams.has("sig");
}

/** Validates the options of {@link teams} and {@link teamsHandler}, applying defaults. */
export const teamsOptionsSchema = z.strictObject({
  /**
   * The workflow's webhook URL (in Teams: the channel's ⋯ → Workflows → "Send webhook alerts to a
   * channel", then copy the URL). It is signed (`sig=`): anyone holding it can post, so use `secret("NAME")`.
   */
  url: stringOrSecret.refine(
    (value) => isSecretRef(value) || isWorkflowUrl(value),
    'a Workflows webhook URL with its sig= parameter, best as secret("NAME")',
  ),
  /**
   * The card's title, a template (see `templateVariables` in `@amstaff/core`).
   * @default "{{TO}}: {{module}} / {{monitor}}" (worded for reminders, escalations, flapping and recoveries)
   */
  title: templateSchema.optional(),
  /**
   * The card's text under the title, a template.
   * @default "{{message}}"; "Recovered from {{FROM}} after {{duration}}: {{message}}" for a recovery
   */
  message: templateSchema.optional(),
  /**
   * The Adaptive Card version declared: `"1.4"` renders on every Teams client, `"1.5"` on current ones.
   * @default "1.4"
   */
  cardVersion: z.enum(cardVersions).default("1.4"),
  /**
   * Show the card across the channel's full width (`msteams.width: "Full"`).
   * @default true
   */
  fullWidth: z.boolean().default(true),
  /**
   * How long one request may take, e.g. `"10s"`.
   * @default "10s"
   */
  timeout: (
    z.string().refine(isDuration, 'a duration like "10s" or "500ms"') as unknown as z.ZodType<Duration>
  ).default("10s"),
});

/** Options of the Teams handler, as written in a module file. */
export type TeamsOptions = z.input<typeof teamsOptionsSchema>;

/** Options of the Teams handler after validation, defaults applied. */
export type ParsedTeamsOptions = z.output<typeof teamsOptionsSchema>;
