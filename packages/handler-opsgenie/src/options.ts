import { type Duration, isDuration, stringOrSecret, templateSchema } from "@amstaff/core";
import { z } from "zod";

/** The id of the OpsGenie handler plugin, its npm package name. */
export const opsgeniePluginId = "@amstaff/handler-opsgenie";

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol, hostname, search, hash } = new URL(value);
  return (protocol === "http:" || protocol === "https:") && hostname !== "" && !search && !hash;
}

/** OpsGenie's alert priorities, from most to least urgent. */
export const opsgeniePriorities = ["P1", "P2", "P3", "P4", "P5"] as const;

/** An OpsGenie alert priority. */
export type OpsgeniePriority = (typeof opsgeniePriorities)[number];

const priority = z.enum(opsgeniePriorities);

/** The API hosts of OpsGenie's regions. */
export const opsgenieRegions = {
  us: "https://api.opsgenie.com",
  eu: "https://api.eu.opsgenie.com",
} as const;

/**
 * The priority of each failing status, and of an alert opened by a flapping announcement, when `priority`
 * does not say otherwise. Flapping is P3: the monitor needs a look, but flap damping exists not to page
 * for it; the change it settles on sets the priority of that status.
 */
export const defaultPriorities = {
  critical: "P1",
  warning: "P3",
  unknown: "P3",
  flapping: "P3",
} as const satisfies Record<string, OpsgeniePriority>;

/** The default `message` template (OpsGenie keeps at most 130 characters; longer ones are cut). */
export const defaultMessage = "{{module}} / {{monitor}}: {{message}}";

/** The `message` of an alert opened by a flapping announcement, when `message` is not set. */
export const defaultFlappingMessage = "FLAPPING: {{module}} / {{monitor}} (now {{TO}})";

/**
 * The default `closeNote` template: the recovery of the whole incident, from its worst status, after
 * its duration (see `recoveryOf` in @amstaff/core).
 */
export const defaultCloseNote = "Recovered from {{FROM}} after {{duration}}: {{message}}";

const name = z.string().min(1).max(512);

/** Who an alert is routed to, as OpsGenie's Alert API takes it. */
export const responderSchema = z.union([
  z.strictObject({ type: z.enum(["team", "escalation", "schedule"]), id: name }),
  z.strictObject({ type: z.enum(["team", "escalation", "schedule"]), name }),
  z.strictObject({ type: z.literal("user"), id: name }),
  z.strictObject({ type: z.literal("user"), username: name }),
]);

/** A responder of an alert: a team, user, escalation or schedule, by id or by name (username for users). */
export type OpsgenieResponder = z.infer<typeof responderSchema>;

/** Validates the options of {@link opsgenie} and {@link opsgenieHandler}, applying defaults. */
export const opsgenieOptionsSchema = z.strictObject({
  /** The API key of an OpsGenie "API" integration. Use `secret("NAME")`. */
  apiKey: stringOrSecret,
  /**
   * The OpsGenie instance: `"us"` (api.opsgenie.com) or `"eu"` (api.eu.opsgenie.com).
   * @default "us"
   */
  region: z.enum(["us", "eu"]).default("us"),
  /**
   * Another API origin (a proxy, a test server), e.g. `"https://opsgenie-proxy.internal"`; overrides `region`.
   * @default the region's API host
   */
  baseUrl: z.string().refine(isHttpUrl, "an http:// or https:// URL without query string").optional(),
  /**
   * The alert priority of each failing status, and (`flapping`) of an alert opened by a flapping
   * announcement.
   * @default { critical: "P1", warning: "P3", unknown: "P3", flapping: "P3" }
   */
  priority: z
    .strictObject({
      critical: priority.optional(),
      warning: priority.optional(),
      unknown: priority.optional(),
      flapping: priority.optional(),
    })
    .optional(),
  /**
   * Who alerts are routed to; without it, OpsGenie routes by the integration's settings.
   * @default []
   */
  responders: z.array(responderSchema).max(50).optional(),
  /**
   * Tags added to every alert, besides the monitor's own (OpsGenie keeps 20 tags of 50 characters).
   * @default []
   */
  tags: z.array(z.string().min(1).max(50)).max(20).optional(),
  /**
   * Extra custom properties of every alert, besides those the handler sets (module, monitor, status, ...).
   * @default {}
   */
  details: z.record(z.string().min(1).max(100), z.string().max(1000)).optional(),
  /**
   * The alert's message, a template (see `templateVariables` in `@amstaff/core`); cut at 130 characters.
   * @default "{{module}} / {{monitor}}: {{message}}"; "FLAPPING: {{module}} / {{monitor}} (now {{TO}})" for an
   * alert opened by a flapping announcement
   */
  message: templateSchema.optional(),
  /**
   * The alert's description, a template; cut at 15,000 characters.
   * @default a plain-text summary: status, message, value, since, duration, tags, incident, link
   */
  description: templateSchema.optional(),
  /**
   * The alert's entity (what it is about), a template.
   * @default "{{module}}"
   */
  entity: templateSchema.optional(),
  /**
   * The alert's source.
   * @default "Amstaff"
   */
  source: z.string().min(1).max(100).default("Amstaff"),
  /**
   * The note added when an alert is closed, a template. On a resolve, `{{from}}` is the incident's
   * worst status and `{{duration}}` how long the incident lasted.
   * @default "Recovered from {{FROM}} after {{duration}}: {{message}}"
   */
  closeNote: templateSchema.optional(),
  /**
   * How long one request may take, e.g. `"10s"`.
   * @default "10s"
   */
  timeout: (
    z.string().refine(isDuration, 'a duration like "10s" or "500ms"') as unknown as z.ZodType<Duration>
  ).default("10s"),
});

/** Options of the OpsGenie handler, as written in a module file. */
export type OpsgenieOptions = z.input<typeof opsgenieOptionsSchema>;

/** Options of the OpsGenie handler after validation, defaults applied. */
export type ParsedOpsgenieOptions = z.output<typeof opsgenieOptionsSchema>;
