import { createHash } from "node:crypto";
import {
  type DeliveryReceipt,
  type JsonValue,
  renderTemplate,
  type SampleStatus,
  type Transition,
  templateValues,
} from "@amstaff/core";
import {
  defaultFlappingSummary,
  defaultSeverities,
  defaultSummary,
  type PagerdutySeverity,
  type ParsedPagerdutyOptions,
} from "./options.js";

/** What an event does to the alert of its `dedup_key`. */
export type EventAction = "trigger" | "acknowledge" | "resolve";

/** The `payload` of a trigger event (PagerDuty Common Event Format). */
export interface TriggerPayload {
  summary: string;
  source: string;
  severity: PagerdutySeverity;
  timestamp: string;
  component?: string;
  group?: string;
  class?: string;
  custom_details: Record<string, JsonValue>;
}

/** The body of `POST /v2/enqueue` (Events API v2, "Send an alert event"). */
export interface AlertEvent {
  routing_key: string;
  event_action: EventAction;
  dedup_key: string;
  payload?: TriggerPayload;
  client?: string;
  client_url?: string;
  links?: { href: string; text: string }[];
}

/** PagerDuty's documented limits of the event fields, in characters. */
export const eventLimits = { summary: 1024, dedupKey: 255, field: 255 } as const;

/**
 * The `dedup_key` of a transition's alert: the one the first delivery of the incident used (its
 * receipt), else the incident's key, else one stable per monitor for a transition with no incident.
 * A key over PagerDuty's 255 characters is replaced by its SHA-256, so it stays stable.
 */
export function dedupKey(transition: Transition, receipt?: DeliveryReceipt): string {
  if (typeof receipt?.dedupKey === "string" && receipt.dedupKey !== "") return receipt.dedupKey;
  const key = transition.incident?.key ?? `amstaff:${transition.module}/${transition.monitor}`;
  return key.length <= eventLimits.dedupKey
    ? key
    : `amstaff:${createHash("sha256").update(key).digest("hex")}`;
}

/** The severity of an alert for a failing status, or (`"flapping"`) for a flapping announcement. */
export function eventSeverity(
  status: SampleStatus | "flapping",
  options: ParsedPagerdutyOptions,
): PagerdutySeverity {
  if (status === "ok") return "info";
  return options.severity?.[status] ?? defaultSeverities[status];
}

/** The trigger event of a failing transition (or of a flapping announcement): opens or updates the alert. */
export function triggerEvent(
  transition: Transition,
  options: ParsedPagerdutyOptions,
  routingKey: string,
  receipt?: DeliveryReceipt,
): AlertEvent {
  const flapping = transition.kind === "flapping";
  const fallback = flapping ? defaultFlappingSummary : defaultSummary;
  // PagerDuty refuses an event without a summary: a template that renders blank must not lose the page.
  const rendered = field(options.summary ?? fallback, transition, eventLimits.summary);
  const optional = (name: "component" | "group" | "class", template: string | undefined) => {
    const value = template === undefined ? "" : field(template, transition, eventLimits.field);
    return value === "" ? {} : { [name]: value };
  };
  const links = [
    ...(transition.link ? [{ href: transition.link, text: "Monitor in Amstaff" }] : []),
    ...(options.links ?? []).map((link) => ({ href: link.href, text: link.text ?? link.href })),
  ];
  return {
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key: dedupKey(transition, receipt),
    payload: {
      summary: rendered === "" ? field(fallback, transition, eventLimits.summary) : rendered,
      source: field(options.source ?? "{{module}}", transition, eventLimits.field) || transition.module,
      severity: eventSeverity(flapping ? "flapping" : transition.to, options),
      timestamp: new Date(transition.since).toISOString(),
      ...optional("component", options.component ?? "{{monitor}}"),
      ...optional("group", options.group),
      ...optional("class", options.class),
      custom_details: customDetails(transition, options),
    },
    client: options.client,
    ...(transition.link ? { client_url: transition.link } : {}),
    ...(links.length > 0 ? { links } : {}),
  };
}

/** An event that only names the alert: `acknowledge` or `resolve`. */
export function followUpEvent(
  action: "acknowledge" | "resolve",
  transition: Transition,
  routingKey: string,
  receipt?: DeliveryReceipt,
): AlertEvent {
  return { routing_key: routingKey, event_action: action, dedup_key: dedupKey(transition, receipt) };
}

function customDetails(transition: Transition, options: ParsedPagerdutyOptions): Record<string, JsonValue> {
  const values = templateValues(transition);
  const acknowledged = transition.incident?.acknowledged;
  const details: Record<string, JsonValue> = {
    module: values.module,
    monitor: values.monitor,
    status: values.to,
    previousStatus: values.from,
    kind: values.kind,
    message: values.message,
    since: values.since,
  };
  if (values.value) details.value = values.value;
  if (values.tags) details.tags = transition.tags;
  if (values.incident) details.incident = values.incident;
  if (transition.flapping) details.flapping = true;
  if (acknowledged) details.acknowledgedBy = acknowledged.by;
  return { ...details, ...options.details };
}

function field(template: string, transition: Transition, max: number): string {
  const text = renderTemplate(template, transition).replace(/\s+/g, " ").trim();
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
