import {
  defaultMessageTemplate,
  defaultTitleTemplate,
  recoveryOf,
  renderTemplate,
  statusSummary,
  type Transition,
  templateValues,
} from "@amstaff/core";
import type { ParsedDiscordOptions } from "./options.js";

/** An embed field. */
export interface EmbedField {
  name: string;
  value: string;
  inline?: boolean;
}

/** A Discord embed, as the handler sends it. */
export interface DiscordEmbed {
  title: string;
  description?: string;
  url?: string;
  color: number;
  timestamp: string;
  fields: EmbedField[];
  footer: { text: string };
}

/** Discord's `allowed_mentions`: who a message may ping. */
export interface AllowedMentions {
  parse: [];
  users?: string[];
  roles?: string[];
}

/** The JSON of "Execute Webhook" and "Edit Webhook Message". */
export interface WebhookMessage {
  content?: string;
  username?: string;
  avatar_url?: string;
  embeds: DiscordEmbed[];
  allowed_mentions: AllowedMentions;
}

/** Discord's documented limits of embeds, in characters. */
export const embedLimits = { title: 256, description: 4096, fieldValue: 1024, total: 6000 } as const;

/**
 * The embed colour of each status, and of a flapping announcement: Discord's own red, yellow, grey, green
 * and fuchsia, so the cards read like the rest of Discord.
 */
export const statusColors = {
  critical: 0xed4245,
  warning: 0xfee75c,
  unknown: 0x99aab5,
  ok: 0x57f287,
  flapping: 0xeb459e,
} as const;

/**
 * The message a notification posts: one embed (title, description, colour by status, fields, timestamp,
 * the monitor's link), and for an alert the configured mentions, which `allowed_mentions` limits to exactly
 * those. A recovery pings no one.
 */
export function webhookMessage(transition: Transition, options: ParsedDiscordOptions): WebhookMessage {
  const recovery = recoveryOf(transition) !== undefined;
  const users = recovery ? [] : (options.mentions?.users ?? []);
  const roles = recovery ? [] : (options.mentions?.roles ?? []);
  const content = [...users.map((id) => `<@${id}>`), ...roles.map((id) => `<@&${id}>`)].join(" ");
  return {
    ...(content === "" ? {} : { content }),
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.avatarUrl === undefined ? {} : { avatar_url: options.avatarUrl }),
    embeds: [statusEmbed(transition, options)],
    allowed_mentions: {
      parse: [],
      ...(users.length > 0 ? { users } : {}),
      ...(roles.length > 0 ? { roles } : {}),
    },
  };
}

/**
 * The edit that turns the alert's message into the resolved card: the recovery's embed, the mentions gone
 * (an edit pings no one, and the card no longer needs them).
 */
export function resolvedEdit(transition: Transition, options: ParsedDiscordOptions): WebhookMessage {
  return { content: "", embeds: [statusEmbed(transition, options)], allowed_mentions: { parse: [] } };
}

const footer = "Amstaff";

/** The embed of a notification. */
export function statusEmbed(transition: Transition, options: ParsedDiscordOptions): DiscordEmbed {
  const values = templateValues(transition);
  const recovery = recoveryOf(transition);
  const flapping = transition.kind === "flapping";
  const fallbackTitle = defaultTitleTemplate(transition);
  const title = oneLine(renderTemplate(options.title ?? fallbackTitle, transition));
  const description = renderTemplate(
    options.description ?? defaultMessageTemplate(transition),
    transition,
  ).trim();
  const since = Math.floor(transition.since / 1000);
  const fields: EmbedField[] = [
    { name: "Status", value: statusSummary(transition, values.duration), inline: true },
  ];
  if (values.value)
    fields.push({ name: "Value", value: cut(values.value, embedLimits.fieldValue), inline: true });
  fields.push({
    name: recovery ? "Resolved" : "Since",
    value: `<t:${since}:f> (<t:${since}:R>)`,
    inline: true,
  });
  if (transition.incident) {
    const opened = Math.floor(transition.incident.openedAt / 1000);
    fields.push({
      name: "Incident",
      value: cut(`${transition.incident.key}, opened <t:${opened}:f>`, embedLimits.fieldValue),
    });
  }
  if (transition.incident?.acknowledged && !recovery)
    fields.push({
      name: "Acknowledged",
      value: cut(`by ${transition.incident.acknowledged.by}`, embedLimits.fieldValue),
    });
  if (values.tags) fields.push({ name: "Tags", value: cut(values.tags, embedLimits.fieldValue) });
  const embedTitle = cut(
    title === "" ? oneLine(renderTemplate(fallbackTitle, transition)) : title,
    embedLimits.title,
  );
  // Discord refuses an embed over 6,000 characters in all: the description gives way to the rest.
  const room =
    embedLimits.total -
    embedTitle.length -
    footer.length -
    fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
  const text = cut(description, Math.min(embedLimits.description, room));
  return {
    title: embedTitle,
    ...(text === "" ? {} : { description: text }),
    ...(transition.link && URL.canParse(transition.link) ? { url: transition.link } : {}),
    color: statusColors[flapping ? "flapping" : transition.to],
    timestamp: new Date(transition.since).toISOString(),
    fields,
    footer: { text: footer },
  };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function cut(text: string, max: number): string {
  if (max <= 0) return "";
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
