import { createHash } from "node:crypto";
import {
  type DeliveryReceipt,
  isFailing,
  renderTemplate,
  type Transition,
  templateValues,
} from "@amstaff/core";
import {
  defaultCloseNote,
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

/** The priority of an alert for a failing status. */
export function alertPriority(status: Transition["to"], options: ParsedOpsgenieOptions): OpsgeniePriority {
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
  // OpsGenie refuses an alert without a message: a template that renders blank must not lose the page.
  const rendered = oneLine(renderTemplate(options.message ?? defaultMessage, transition));
  const message = rendered === "" ? oneLine(renderTemplate(defaultMessage, transition)) : rendered;
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
    priority: alertPriority(transition.to, options),
    ...(note === undefined ? {} : { note }),
  };
}

/** The body that closes the alert of an incident when the monitor is ok again. */
export function closeAlertRequest(transition: Transition, options: ParsedOpsgenieOptions): CloseAlertRequest {
  const template =
    transition.previousSince === undefined
      ? (options.closeNote ?? "Recovered: {{message}}")
      : (options.closeNote ?? defaultCloseNote);
  return {
    source: truncate(options.source, alertLimits.source),
    note: truncate(renderTemplate(template, transition), alertLimits.note),
  };
}

function createNote(transition: Transition): string | undefined {
  const { from, to } = transition;
  if (transition.kind === "reminder") {
    const open = transition.incident ? `, incident open since ${iso(transition.incident.openedAt)}` : "";
    return `Reminder: still ${to} since ${iso(transition.since)}${open}: ${transition.result.message}`;
  }
  if (isFailing(from) && from !== to) return `${from} → ${to}: ${transition.result.message}`;
  return undefined;
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
  const to = transition.to.toUpperCase();
  const lines = [
    `${transition.kind === "reminder" ? `Still ${to}` : to}: ${transition.module} / ${transition.monitor}`,
    transition.result.message,
    "",
  ];
  const status =
    transition.kind === "reminder"
      ? `${transition.to} (reminder: the incident is still open)`
      : transition.from === "pending"
        ? `${transition.to} (first status)`
        : `${transition.to} (was ${transition.from}${values.duration ? ` for ${values.duration}` : ""})`;
  lines.push(`Status: ${status}`);
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
