import {
  defaultMessageTemplate,
  defaultTitleTemplate,
  recoveryOf,
  renderTemplate,
  statusSummary,
  type Transition,
  templateValues,
} from "@amstaff/core";
import type { CardVersion, ParsedTeamsOptions } from "./options.js";

/** An Adaptive Card element the handler writes (TextBlock, Container, FactSet). */
export type CardElement =
  | {
      type: "TextBlock";
      text: string;
      wrap: true;
      weight?: "Bolder";
      size?: "Medium";
      color?: TextColor;
      isSubtle?: true;
    }
  | { type: "Container"; style: ContainerStyle; bleed: true; items: CardElement[] }
  | { type: "FactSet"; facts: { title: string; value: string }[] };

/** The Adaptive Card of a notification (https://adaptivecards.io/explorer/AdaptiveCard.html). */
export interface AdaptiveCard {
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json";
  type: "AdaptiveCard";
  version: CardVersion;
  msteams?: { width: "Full" };
  body: CardElement[];
  actions?: { type: "Action.OpenUrl"; title: string; url: string }[];
}

/**
 * The body a Workflows webhook takes: a message whose one attachment is the card, the shape the template
 * "Send webhook alerts to a channel" reads (`attachments[].content`).
 */
export interface WorkflowMessage {
  type: "message";
  attachments: {
    contentType: "application/vnd.microsoft.card.adaptive";
    contentUrl: null;
    content: AdaptiveCard;
  }[];
}

/** A Container's style: Teams tints the band behind the title with it. */
export type ContainerStyle = "attention" | "warning" | "emphasis" | "good" | "accent";

/** A TextBlock's colour. */
export type TextColor = "Attention" | "Warning" | "Default" | "Good" | "Accent";

/** The style of the title's band and the title's colour, by status (and for a flapping announcement). */
export const statusStyles = {
  critical: { style: "attention", color: "Attention" },
  warning: { style: "warning", color: "Warning" },
  unknown: { style: "emphasis", color: "Default" },
  ok: { style: "good", color: "Good" },
  flapping: { style: "accent", color: "Accent" },
} as const satisfies Record<string, { style: ContainerStyle; color: TextColor }>;

/** The label of the card's button that opens the monitor. */
export const openLabel = "Open in Amstaff";

/** Teams refuses messages over about 28 KB: the message text gives way long before. */
const maxMessageLength = 12_000;
const maxFactLength = 1_000;

/**
 * The message a notification posts: one Adaptive Card with a tinted title band by status, the message,
 * a fact set (status, value, since, incident, acknowledgement, tags) and an "Open in Amstaff" button to
 * the monitor. A recovery is a card of its own (a green "RESOLVED" one): Workflows webhooks cannot update a
 * message they posted.
 */
export function workflowMessage(transition: Transition, options: ParsedTeamsOptions): WorkflowMessage {
  const values = templateValues(transition);
  const recovery = recoveryOf(transition) !== undefined;
  const look = statusStyles[transition.kind === "flapping" ? "flapping" : transition.to];
  const fallbackTitle = defaultTitleTemplate(transition);
  const title =
    oneLine(renderTemplate(options.title ?? fallbackTitle, transition)) ||
    oneLine(renderTemplate(fallbackTitle, transition));
  const message = renderTemplate(options.message ?? defaultMessageTemplate(transition), transition).trim();
  const facts = [
    { title: "Status", value: statusSummary(transition, values.duration) },
    ...(values.value ? [{ title: "Value", value: values.value }] : []),
    { title: recovery ? "Resolved" : "Since", value: new Date(transition.since).toISOString() },
    ...(transition.incident ? [{ title: "Incident", value: transition.incident.key }] : []),
    ...(transition.incident?.acknowledged && !recovery
      ? [{ title: "Acknowledged by", value: transition.incident.acknowledged.by }]
      : []),
    ...(values.tags ? [{ title: "Tags", value: values.tags }] : []),
  ].map((fact) => ({ ...fact, value: cut(fact.value, maxFactLength) }));
  const link = transition.link && URL.canParse(transition.link) ? transition.link : undefined;
  const card: AdaptiveCard = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: options.cardVersion,
    ...(options.fullWidth ? { msteams: { width: "Full" as const } } : {}),
    body: [
      {
        type: "Container",
        style: look.style,
        bleed: true,
        items: [
          {
            type: "TextBlock",
            text: cut(title, 300),
            wrap: true,
            weight: "Bolder",
            size: "Medium",
            color: look.color,
          },
        ],
      },
      ...(message === ""
        ? []
        : [{ type: "TextBlock" as const, text: cut(message, maxMessageLength), wrap: true as const }]),
      { type: "FactSet", facts },
    ],
    ...(link ? { actions: [{ type: "Action.OpenUrl" as const, title: openLabel, url: link }] } : {}),
  };
  return {
    type: "message",
    attachments: [
      { contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card },
    ],
  };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
