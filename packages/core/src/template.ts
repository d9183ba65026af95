import { z } from "zod";
import { recoveryOf } from "./recovery.js";
import type { JsonValue } from "./sampleResult.js";
import type { Transition } from "./transition.js";

/**
 * The variables a notification template may use, e.g. `"{{module}} / {{monitor}} is {{to}}: {{message}}"`.
 *
 * | variable | value |
 * |---|---|
 * | `module`, `monitor` | names |
 * | `tags` | comma-separated |
 * | `from`, `to` | statuses, lower case (`ok`, `critical`, …); `TO`/`FROM` upper case. A resolve's `from` is the incident's worst status |
 * | `value` | the sample's value, or empty |
 * | `message` | the sample's message |
 * | `since` | when the new status started, ISO 8601 UTC |
 * | `duration` | how long the previous status lasted, e.g. `1h 5m` (empty for a first status); on a resolve, how long the incident lasted |
 * | `worst` | the worst status the incident reached, lower case, or empty |
 * | `link` | the monitor's page on the server, or empty |
 * | `incident` | the incident key, or empty |
 * | `kind` | what the notification is: `transition`, `reminder`, `escalation` or `flapping` |
 */
export const templateVariables = [
  "module",
  "monitor",
  "tags",
  "from",
  "to",
  "FROM",
  "TO",
  "value",
  "message",
  "since",
  "duration",
  "link",
  "incident",
  "kind",
  "worst",
] as const;

/** A variable of {@link templateVariables}. */
export type TemplateVariable = (typeof templateVariables)[number];

// No `\s*` around the name: `\{\{\s*([^{}]*?)\s*\}\}` let three quantifiers share the same spaces, and
// `{{` followed by 4,000 spaces took 25 s to scan (cubic backtracking), on a template a module supplies.
// Here each `{{` scans to the next brace once; the name is trimmed afterwards (same whitespace as `\s`).
const placeholder = /\{\{([^{}]*)\}\}/g;
const known = new Set<string>(templateVariables);

/** The placeholders of a template that are not known variables. */
export function unknownTemplateVariables(template: string): string[] {
  return [...template.matchAll(placeholder)]
    .map((m) => (m[1] ?? "").trim())
    .filter((name) => !known.has(name));
}

/** Validates a template option: every `{{placeholder}}` must be a known variable. */
export const templateSchema = z
  .string()
  .max(10_000)
  .superRefine((template, ctx) => {
    for (const name of unknownTemplateVariables(template)) {
      ctx.addIssue({
        code: "custom",
        message: `unknown template variable {{${name}}}; use one of ${templateVariables.map((v) => `{{${v}}}`).join(", ")}`,
      });
    }
  });

/** "1h 5m", "42s", "3d 4h": the two largest units, for humans reading an alert. */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1_000],
  ];
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(ms));
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || (unit === "s" && parts.length === 0)) parts.push(`${n}${unit}`);
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** The value of every template variable for a transition. */
export function templateValues(transition: Transition): Record<TemplateVariable, string> {
  // A resolve reads as the recovery of the whole incident: from its worst status, for its duration.
  const recovery = recoveryOf(transition);
  const from = recovery?.from ?? transition.from;
  const previousSince = recovery ? recovery.openedAt : transition.previousSince;
  return {
    module: transition.module,
    monitor: transition.monitor,
    tags: transition.tags.join(", "),
    from,
    to: transition.to,
    FROM: from.toUpperCase(),
    TO: transition.to.toUpperCase(),
    value: transition.result.value === undefined ? "" : String(transition.result.value),
    message: transition.result.message,
    since: new Date(transition.since).toISOString(),
    duration: previousSince === undefined ? "" : formatDuration(transition.since - previousSince),
    link: transition.link ?? "",
    incident: transition.incident?.key ?? "",
    kind: transition.kind ?? "transition",
    worst: transition.incident?.worst ?? "",
  };
}

/**
 * Fills a template's `{{variables}}` from a transition. Unknown placeholders are left as they are
 * (validate templates with {@link templateSchema} when a module is pushed, not at delivery time).
 *
 * @example
 * ```ts
 * renderTemplate("{{TO}}: {{module}} / {{monitor}} ({{message}})", transition);
 * // "CRITICAL: User Service / Health (HTTP 500 from GET http://user-service/health)"
 * ```
 */
export function renderTemplate(template: string, transition: Transition): string {
  const values = templateValues(transition);
  return template.replace(placeholder, (match, name: string) =>
    known.has(name.trim()) ? values[name.trim() as TemplateVariable] : match,
  );
}

/**
 * Validates a JSON template: any JSON value whose strings are templates (see {@link templateSchema}), for
 * handlers that send a body of the user's design.
 */
export const jsonTemplateSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    templateSchema,
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonTemplateSchema),
    z.record(z.string(), jsonTemplateSchema),
  ]),
);

/**
 * Renders every string of a JSON template with {@link renderTemplate}; keys, numbers, booleans and
 * nulls stay as they are, so the result is always valid JSON whatever a variable holds.
 *
 * @example
 * ```ts
 * renderJsonTemplate({ content: "{{TO}}: {{module}} / {{monitor}}", embeds: [{ description: "{{message}}" }] }, transition);
 * ```
 */
export function renderJsonTemplate(template: JsonValue, transition: Transition): JsonValue {
  if (typeof template === "string") return renderTemplate(template, transition);
  if (Array.isArray(template)) return template.map((item) => renderJsonTemplate(item, transition));
  if (template !== null && typeof template === "object") {
    return Object.fromEntries(
      Object.entries(template).map(([key, value]) => [key, renderJsonTemplate(value, transition)]),
    );
  }
  return template;
}
