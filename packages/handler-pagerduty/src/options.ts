import { type Duration, isDuration, stringOrSecret, templateSchema } from "@amstaff/core";
import { z } from "zod";

/** The id of the PagerDuty handler plugin, its npm package name. */
export const pagerdutyPluginId = "@amstaff/handler-pagerduty";

/** PagerDuty's event severities, from most to least urgent. */
export const pagerdutySeverities = ["critical", "error", "warning", "info"] as const;

/** A PagerDuty event severity. */
export type PagerdutySeverity = (typeof pagerdutySeverities)[number];

/**
 * The severity of each failing status, and of an alert opened by a flapping announcement, when
 * `severity` does not say otherwise. `unknown` is `error`: the monitor cannot tell whether its target
 * works, which is worse than a warning yet not a confirmed outage. Flapping is `warning`: it needs a look,
 * but flap damping exists not to page for it.
 */
export const defaultSeverities = {
  critical: "critical",
  warning: "warning",
  unknown: "error",
  flapping: "warning",
} as const satisfies Record<string, PagerdutySeverity>;

/** The default `summary` template (PagerDuty keeps at most 1,024 characters; longer ones are cut). */
export const defaultSummary = "{{TO}}: {{module}} / {{monitor}}: {{message}}";

/** The `summary` of an alert opened by a flapping announcement, when `summary` is not set. */
export const defaultFlappingSummary = "FLAPPING: {{module}} / {{monitor}} (now {{TO}})";

/** The Events API's host. */
export const pagerdutyEventsUrl = "https://events.pagerduty.com";

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol, hostname, search, hash } = new URL(value);
  return (protocol === "http:" || protocol === "https:") && hostname !== "" && !search && !hash;
}

const severity = z.enum(pagerdutySeverities);

/** A link shown on the PagerDuty alert. */
export const linkSchema = z.strictObject({
  /** The URL. */
  href: z.string().refine(isHttpUrl, "an http:// or https:// URL"),
  /** The text shown for it. @default the URL */
  text: z.string().min(1).max(256).optional(),
});

/** A link shown on the PagerDuty alert, besides the monitor's own. */
export type PagerdutyLink = z.infer<typeof linkSchema>;

/** Validates the options of {@link pagerduty} and {@link pagerdutyHandler}, applying defaults. */
export const pagerdutyOptionsSchema = z.strictObject({
  /** The integration key of a PagerDuty "Events API v2" integration (32 characters). Use `secret("NAME")`. */
  routingKey: stringOrSecret,
  /**
   * Another Events API origin: the EU service region (`"https://events.eu.pagerduty.com"`), a proxy, a
   * test server.
   * @default "https://events.pagerduty.com"
   */
  baseUrl: z
    .string()
    .refine(isHttpUrl, "an http:// or https:// URL without query string")
    .default(pagerdutyEventsUrl),
  /**
   * The event severity of each failing status, and (`flapping`) of an alert opened by a flapping
   * announcement.
   * @default { critical: "critical", warning: "warning", unknown: "error", flapping: "warning" }
   */
  severity: z
    .strictObject({
      critical: severity.optional(),
      warning: severity.optional(),
      unknown: severity.optional(),
      flapping: severity.optional(),
    })
    .optional(),
  /**
   * The alert's summary, a template (see `templateVariables` in `@amstaff/core`); cut at 1,024 characters.
   * @default "{{TO}}: {{module}} / {{monitor}}: {{message}}"; "FLAPPING: {{module}} / {{monitor}} (now {{TO}})"
   * for an alert opened by a flapping announcement
   */
  summary: templateSchema.optional(),
  /**
   * The alert's source: the affected system, a template.
   * @default "{{module}}"
   */
  source: templateSchema.optional(),
  /**
   * The component of the source that is failing, a template.
   * @default "{{monitor}}"
   */
  component: templateSchema.optional(),
  /**
   * The logical group of components (a cluster, an app stack), a template.
   * @default none
   */
  group: templateSchema.optional(),
  /**
   * The class (type) of the event, a template.
   * @default none
   */
  class: templateSchema.optional(),
  /**
   * Extra custom details of every alert, besides those the handler sets (module, monitor, status, ...).
   * @default {}
   */
  details: z.record(z.string().min(1).max(100), z.string().max(1000)).optional(),
  /**
   * Links shown on every alert, besides the monitor's own link in Amstaff.
   * @default []
   */
  links: z.array(linkSchema).max(10).optional(),
  /**
   * The monitoring tool named on the alert.
   * @default "Amstaff"
   */
  client: z.string().min(1).max(100).default("Amstaff"),
  /**
   * How long one request may take, e.g. `"10s"`.
   * @default "10s"
   */
  timeout: (
    z.string().refine(isDuration, 'a duration like "10s" or "500ms"') as unknown as z.ZodType<Duration>
  ).default("10s"),
});

/** Options of the PagerDuty handler, as written in a module file. */
export type PagerdutyOptions = z.input<typeof pagerdutyOptionsSchema>;

/** Options of the PagerDuty handler after validation, defaults applied. */
export type ParsedPagerdutyOptions = z.output<typeof pagerdutyOptionsSchema>;
