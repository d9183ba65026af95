import { createHash } from "node:crypto";
import {
  type DeliveryReceipt,
  isFailing,
  recoveryOf,
  renderTemplate,
  type Transition,
  templateValues,
} from "@amstaff/core";
import {
  defaultCloseNote,
  defaultFlappingMessage,
  defaultMessage,
  defaultPriorities,
  type OpsgeniePriority,
  type OpsgenieResponder,
  type ParsedOpsgenieOptions,
} from "./options.js";

/** The body of `POST /v2/alerts` (OpsGenie Alert API v2, "Create Alert"). */
export interface CreateAlertRequest {
  message: string;
  alias: string;
  description: string;
  responders?: OpsgenieResponder[];
  tags: string[];
  details: Record<string, string>;
  entity: string;
  source: string;
  priority: OpsgeniePriority;
  note?: string;
}

/** The body of `POST /v2/alerts/{alias}/close?identifierType=alias`. */
export interface CloseAlertRequest {
  source: string;
  note: string;
}

/** OpsGenie's documented limits of the alert fields, in characters. */
export const alertLimits = {
  message: 130,
  alias: 512,
  description: 15_000,
  entity: 512,
  source: 100,
  note: 25_000,
  tags: 20,
  tag: 50,
  details: 8_000,
} as const;

/**
 * The alias of the alert of a transition: the incident's key (OpsGenie deduplicates on it, and a
 * recovery closes it), or the alias the first delivery of the incident used, or, for a transition with
 * no incident, one stable per monitor.
 */
export function alertAlias(transition: Transition, receipt?: DeliveryReceipt): string {
  if (typeof receipt?.alias === "string" && receipt.alias !== "") return receipt.alias;
  const key = transition.incident?.key ?? `amstaff:${transition.module}/${transition.monitor}`;
  return key.length <= alertLimits.alias ? key : `amstaff:${createHash("sha256").update(key).digest("hex")}`;
}

/** The priority of an alert for a failing status, or (`"flapping"`) for a flapping announcement. */
export function alertPriority(
  status: Transition["to"] | "flapping",
  options: ParsedOpsgenieOptions,
): OpsgeniePriority {
  if (status === "ok") return "P5";
  return options.priority?.[status] ?? defaultPriorities[status];
}

/** The body that opens (or, with the same alias, deduplicates into) the alert of a failing transition. */
export function createAlertRequest(
  transition: Transition,
  options: ParsedOpsgenieOptions,
  receipt?: DeliveryReceipt,
): CreateAlertRequest {
  const note = createNote(transition);
  const flapping = transition.kind === "flapping";
  const fallback = flapping ? defaultFlappingMessage : defaultMessage;
  // OpsGenie refuses an alert without a message: a template that renders blank must not lose the page.
  const rendered = oneLine(renderTemplate(options.message ?? fallback, transition));
  const message = rendered === "" ? oneLine(renderTemplate(fallback, transition)) : rendered;
  return {
    message: truncate(message, alertLimits.message),
    alias: alertAlias(transition, receipt),
    description: truncate(
      options.description === undefined
        ? defaultDescription(transition)
        : renderTemplate(options.description, transition),
      alertLimits.description,
    ),
    ...(options.responders && options.responders.length > 0 ? { responders: options.responders } : {}),
    tags: alertTags(transition, options),
    details: alertDetails(transition, options),
    entity: truncate(oneLine(renderTemplate(options.entity ?? "{{module}}", transition)), alertLimits.entity),
    source: truncate(options.source, alertLimits.source),
    priority: alertPriority(flapping ? "flapping" : transition.to, options),
    ...(note === undefined ? {} : { note }),
  };
}

/** The body that closes the alert of an incident when the monitor is ok again. */
export function closeAlertRequest(transition: Transition, options: ParsedOpsgenieOptions): CloseAlertRequest {
  // The recovery of the whole incident; what is not known (a resolve recorded as ok -> ok after
  // flapping by an older server) is left out rather than read as "from OK".
  const recovery = recoveryOf(transition);
  const template =
    options.closeNote ??
    (recovery?.durationMs === undefined
      ? "Recovered: {{message}}"
      : recovery.from === undefined
        ? "Recovered after {{duration}}: {{message}}"
        : defaultCloseNote);
  return {
    source: truncate(options.source, alertLimits.source),
    note: truncate(renderTemplate(template, transition), alertLimits.note),
  };
}

function createNote(transition: Transition): string | undefined {
  const { from, to } = transition;
  const open = transition.incident ? `, incident open since ${iso(transition.incident.openedAt)}` : "";
  switch (transition.kind) {
    case "reminder":
      return `Reminder: still ${to} since ${iso(transition.since)}${open}: ${transition.result.message}`;
    case "escalation":
      return `Escalated: still ${to} since ${iso(transition.since)}${open}, not acknowledged: ${transition.result.message}`;
    case "flapping":
      return `Flapping, now ${to}: changes are held back until the monitor settles: ${transition.result.message}`;
    default:
      // Only the end of flapping sends a change whose status is the one before.
      if (from === to) return `No longer flapping, settled ${to}: ${transition.result.message}`;
      if (isFailing(from)) return `${from} → ${to}: ${transition.result.message}`;
      return undefined;
  }
}

function alertTags(transition: Transition, options: ParsedOpsgenieOptions): string[] {
  const tags: string[] = [];
  for (const tag of [...transition.tags, ...(options.tags ?? [])]) {
    const cut = truncate(tag.trim(), alertLimits.tag);
    if (cut !== "" && !tags.includes(cut)) tags.push(cut);
    if (tags.length === alertLimits.tags) break;
  }
  return tags;
}

function alertDetails(transition: Transition, options: ParsedOpsgenieOptions): Record<string, string> {
  const values = templateValues(transition);
  const candidates: [string, string][] = [
    ["module", values.module],
    ["monitor", values.monitor],
    ["status", values.to],
    ["previousStatus", values.from],
    ["kind", values.kind],
    ...(transition.flapping ? ([["flapping", "true"]] as [string, string][]) : []),
    ["since", values.since],
    ...(values.value ? ([["value", values.value]] as [string, string][]) : []),
    ...(values.incident ? ([["incident", values.incident]] as [string, string][]) : []),
    ...(values.link ? ([["link", values.link]] as [string, string][]) : []),
    ...Object.entries(options.details ?? {}),
  ];
  const details: Record<string, string> = {};
  let budget: number = alertLimits.details;
  for (const [key, value] of candidates) {
    const cut = truncate(value, Math.min(1000, budget - key.length));
    if (budget - key.length <= 0) break;
    budget -= key.length + cut.length;
    details[key] = cut;
  }
  return details;
}

function defaultDescription(transition: Transition): string {
  const values = templateValues(transition);
  const lines = [
    `${label(transition)}: ${transition.module} / ${transition.monitor}`,
    transition.result.message,
    "",
  ];
  lines.push(`Status: ${status(transition, values.duration)}`);
  if (values.value) lines.push(`Value: ${values.value}`);
  lines.push(`Since: ${values.since}`);
  if (transition.incident) {
    lines.push(`Incident: ${transition.incident.key} (opened ${iso(transition.incident.openedAt)})`);
  }
  if (values.tags) lines.push(`Tags: ${values.tags}`);
  if (values.link) lines.push(`Link: ${values.link}`);
  lines.push("", "Sent by Amstaff.");
  return lines.join("\n");
}

function label(transition: Transition): string {
  const to = transition.to.toUpperCase();
  if (transition.kind === "reminder") return `Still ${to}`;
  if (transition.kind === "escalation") return `${to} (escalated)`;
  if (transition.kind === "flapping") return "FLAPPING";
  return to;
}

function status(transition: Transition, duration: string): string {
  const { from, to } = transition;
  switch (transition.kind) {
    case "reminder":
      return `${to} (reminder: the incident is still open)`;
    case "escalation":
      return `${to} (escalated: failing since ${iso(transition.incident?.openedAt ?? transition.since)}, not acknowledged)`;
    case "flapping":
      return `flapping, now ${to} (changes are held back until the monitor settles)`;
    default:
      if (from === "pending") return `${to} (first status)`;
      if (from === to) return `${to} (no longer flapping)`;
      return `${to} (was ${from}${duration ? ` for ${duration}` : ""})`;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function truncate(text: string, max: number): string {
  if (max <= 0) return "";
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
