import {
  formatDuration,
  isFailing,
  isResolve,
  recoveryOf,
  renderTemplate,
  type SampleStatus,
  type Transition,
} from "@amstaff/core";
import { escapeMrkdwn, slackDate, truncate } from "./mrkdwn.js";

/** A Block Kit block, as sent to Slack. */
export type SlackBlock = { type: string } & Record<string, unknown>;

/** A message attachment: here only for its colour bar around Block Kit blocks. */
export interface SlackAttachment {
  color?: string;
  fallback?: string;
  blocks?: SlackBlock[];
  [key: string]: unknown;
}

/** The content of a Slack message: what `chat.postMessage`, `chat.update` and webhooks take. */
export interface SlackMessageContent {
  /** The plain text of push notifications and screen readers. */
  text: string;
  blocks: SlackBlock[];
  attachments?: SlackAttachment[];
}

/** The `action_id` of the Acknowledge button on alerts. */
export const acknowledgeActionId = "amstaff_ack";

/** The `action_id` of the "View in Amstaff" link button (Slack still reports its clicks). */
export const viewActionId = "amstaff_view";

/** The JSON in the Acknowledge button's `value`. */
export interface AcknowledgeValue {
  /** The key of the incident to acknowledge (`transition.incident.key`). */
  incidentKey: string;
  module: string;
  monitor: string;
}

const styles: Record<SampleStatus | "resolved" | "flapping", { emoji: string; color: string }> = {
  critical: { emoji: ":red_circle:", color: "#E01E5A" },
  warning: { emoji: ":large_orange_circle:", color: "#ECB22E" },
  unknown: { emoji: ":white_circle:", color: "#868686" },
  ok: { emoji: ":large_green_circle:", color: "#2EB67D" },
  resolved: { emoji: ":white_check_mark:", color: "#2EB67D" },
  flapping: { emoji: ":arrows_counterclockwise:", color: "#ECB22E" },
};

// Slack's limits: 3000 characters per section text, 2000 per field and per button value.
const sectionMax = 2900;
const fieldMax = 1900;
const buttonValueMax = 2000;

/** How {@link renderSlackMessage} renders a transition. */
export interface SlackMessageOptions {
  /** The `message` template. */
  template: string;
  /** Prepended when the monitor turns (or, escalated, still is) `critical`; never for flapping. */
  mention?: string | undefined;
  /** Whether an open, unacknowledged incident gets an Acknowledge button (bot mode only). */
  interactive: boolean;
  /** The clock, for "failing for" on reminders and escalations. */
  now: number;
}

/**
 * What to render:
 * - `message`: a complete, standalone message (the first alert of an incident, whatever its kind; every
 *   webhook post);
 * - `reply`: a compact reply in the alert's thread (a change of status, reminder, flapping, recovery);
 * - `original`: the alert message as it should now look, for `chat.update` (resolved, critical, flapping, …);
 *   the handler leaves the alert as it is for reminders and escalations.
 */
export type SlackMessageVariant = "message" | "reply" | "original";

// A resolve may come from ok when the monitor stopped flapping while ok: the incident says it is one.
function isRecovery(t: Transition): boolean {
  return isResolve(t);
}

function isChange(t: Transition): boolean {
  return t.kind === undefined || t.kind === "transition";
}

function isReminder(t: Transition): boolean {
  return t.kind === "reminder";
}

function isEscalation(t: Transition): boolean {
  return t.kind === "escalation";
}

function isFlapping(t: Transition): boolean {
  return t.kind === "flapping";
}

/** Reminders and escalations are about an incident that is still open: no change, a duration. */
function isStillOpen(t: Transition): boolean {
  return isReminder(t) || isEscalation(t);
}

// Only the end of flapping sends a change whose status is the one before.
function stoppedFlapping(t: Transition): boolean {
  return isChange(t) && t.from === t.to;
}

function label(t: Transition): string {
  if (isRecovery(t)) return "RESOLVED";
  if (isFlapping(t)) return "FLAPPING";
  if (isReminder(t)) return `Still ${t.to.toUpperCase()}`;
  if (isEscalation(t)) return `${t.to.toUpperCase()} (escalated)`;
  return t.to.toUpperCase();
}

function style(t: Transition): { emoji: string; color: string } {
  if (isRecovery(t)) return styles.resolved;
  return isFlapping(t) ? styles.flapping : styles[t.to];
}

// Slack refuses a whole message over one bad button URL: only http(s) links within its 3000 characters.
function linkOf(t: Transition): string | undefined {
  const link = t.link;
  return link !== undefined && link.length <= 3000 && /^https?:\/\/[^\s]+$/.test(link) ? link : undefined;
}

function title(t: Transition): string {
  const name = escapeMrkdwn(`${t.module} / ${t.monitor}`);
  const link = linkOf(t);
  return link ? `<${safeUrl(link)}|${name}>` : name;
}

// `<url|text>` ends at the first `|` or `>`: an URL carrying one must not break the link.
function safeUrl(url: string): string {
  return url.replaceAll("|", "%7C").replaceAll(">", "%3E").replaceAll("<", "%3C");
}

function escapedTransition(t: Transition): Transition {
  return {
    ...t,
    module: escapeMrkdwn(t.module),
    monitor: escapeMrkdwn(t.monitor),
    tags: t.tags.map(escapeMrkdwn),
    result: { ...t.result, message: escapeMrkdwn(t.result.message) },
    ...(t.incident ? { incident: { ...t.incident, key: escapeMrkdwn(t.incident.key) } } : {}),
  };
}

/** The `message` template filled in, with the transition's values escaped for mrkdwn. */
function body(t: Transition, template: string): string {
  return truncate(renderTemplate(template, escapedTransition(t)).trim(), sectionMax);
}

function plainText(t: Transition, template: string): string {
  const text = renderTemplate(template, t).replace(/\s+/g, " ").trim();
  const head = `${label(t)}: ${t.module} / ${t.monitor}`;
  return truncate(escapeMrkdwn(text === "" ? head : `${head}: ${text}`), 3000);
}

// Flap damping exists so that a monitor going up and down does not page: its announcement mentions no one.
function mentionFor(t: Transition, options: SlackMessageOptions): string {
  return options.mention && t.to === "critical" && !isRecovery(t) && !isFlapping(t)
    ? `${options.mention} `
    : "";
}

/** How long the incident lasted (recovery) or has lasted (reminder, escalation), when known. */
function failingFor(t: Transition, now: number): string | undefined {
  const start = t.incident?.openedAt ?? (isRecovery(t) ? t.previousSince : undefined);
  if (start === undefined) return undefined;
  return formatDuration((isRecovery(t) ? t.since : now) - start);
}

function status(t: Transition): string {
  const to = `\`${t.to.toUpperCase()}\``;
  if (isFlapping(t)) return `\`FLAPPING\`, now ${to}`;
  if (isStillOpen(t)) return to;
  if (isRecovery(t)) {
    // The recovery of the whole incident, from its worst status (never `OK` → `OK` after flapping).
    const from = recoveryOf(t)?.from;
    return from ? `\`${from.toUpperCase()}\` → ${to}` : `${to}, recovered`;
  }
  if (stoppedFlapping(t)) return `${to}, no longer flapping`;
  return `\`${t.from.toUpperCase()}\` → ${to}`;
}

function fields(t: Transition, text: string, now: number): SlackBlock | undefined {
  const out: string[] = [];
  out.push(`*Status*\n${status(t)}`);
  if (t.result.value !== undefined && t.result.value !== null) {
    out.push(`*Value*\n${truncate(escapeMrkdwn(String(t.result.value)), fieldMax)}`);
  }
  out.push(`*${isRecovery(t) ? "Recovered" : "Since"}*\n${slackDate(t.since)}`);
  const lasted = isStillOpen(t) || isRecovery(t) ? failingFor(t, now) : undefined;
  if (lasted !== undefined) {
    out.push(`*${isRecovery(t) ? "Down for" : "Failing for"}*\n${lasted}`);
  } else if (isChange(t) && !stoppedFlapping(t) && t.previousSince !== undefined && t.from !== "pending") {
    out.push(`*Was ${t.from.toUpperCase()} for*\n${formatDuration(t.since - t.previousSince)}`);
  }
  const message = escapeMrkdwn(t.result.message.trim());
  if (message !== "" && !text.includes(message)) out.push(`*Result*\n${truncate(message, fieldMax)}`);
  if (t.tags.length > 0) {
    out.push(`*Tags*\n${truncate(t.tags.map((tag) => `\`${escapeMrkdwn(tag)}\``).join(" "), fieldMax)}`);
  }
  return { type: "section", fields: out.slice(0, 10).map((text) => ({ type: "mrkdwn", text })) };
}

function acknowledgedBy(by: string): string {
  return /^<@[UW][A-Z0-9]+>$/.test(by) ? by : escapeMrkdwn(by);
}

function context(t: Transition): SlackBlock | undefined {
  const parts: string[] = [];
  if (isEscalation(t)) {
    const opened = t.incident?.openedAt ?? t.since;
    parts.push(`:arrow_double_up: Escalated: failing since ${slackDate(opened)}, not acknowledged`);
  }
  if (isFlapping(t)) {
    parts.push(":arrows_counterclockwise: Flapping: changes are held back until the monitor settles");
  }
  const ack = t.incident?.acknowledged;
  if (ack) parts.push(`:raised_hand: Acknowledged by ${acknowledgedBy(ack.by)} ${slackDate(ack.at)}`);
  if (t.incident) parts.push(`Incident \`${escapeMrkdwn(t.incident.key)}\``);
  if (parts.length === 0) return undefined;
  return { type: "context", elements: parts.map((text) => ({ type: "mrkdwn", text })) };
}

/** The Acknowledge button's `value`, or undefined when it would not fit Slack's limit. */
export function acknowledgeValue(t: Transition): string | undefined {
  if (!t.incident) return undefined;
  const value: AcknowledgeValue = { incidentKey: t.incident.key, module: t.module, monitor: t.monitor };
  const json = JSON.stringify(value);
  return json.length <= buttonValueMax ? json : undefined;
}

function actions(t: Transition, options: SlackMessageOptions): SlackBlock | undefined {
  const elements: SlackBlock[] = [];
  const ackValue = acknowledgeValue(t);
  // A flapping monitor has an open incident even while it happens to be ok: it can be acknowledged.
  const open = (isFailing(t.to) && !isRecovery(t)) || isFlapping(t);
  if (options.interactive && open && !t.incident?.acknowledged && ackValue !== undefined) {
    elements.push({
      type: "button",
      action_id: acknowledgeActionId,
      style: "primary",
      text: { type: "plain_text", text: "Acknowledge", emoji: true },
      value: ackValue,
    });
  }
  const link = linkOf(t);
  if (link) {
    elements.push({
      type: "button",
      action_id: viewActionId,
      text: { type: "plain_text", text: "View in Amstaff", emoji: true },
      url: link,
    });
  }
  return elements.length === 0 ? undefined : { type: "actions", block_id: "amstaff_actions", elements };
}

function section(text: string): SlackBlock {
  return { type: "section", text: { type: "mrkdwn", text } };
}

function defined(blocks: (SlackBlock | undefined)[]): SlackBlock[] {
  return blocks.filter((b): b is SlackBlock => b !== undefined);
}

function reply(t: Transition, options: SlackMessageOptions): SlackMessageContent {
  const { emoji } = style(t);
  const lasted = failingFor(t, options.now);
  const suffix = isRecovery(t)
    ? lasted
      ? ` after ${lasted}`
      : ""
    : isStillOpen(t)
      ? lasted
        ? `, failing for ${lasted}`
        : ""
      : isFlapping(t)
        ? `, now ${t.to.toUpperCase()}`
        : stoppedFlapping(t)
          ? " (no longer flapping)"
          : ` (was ${t.from.toUpperCase()})`;
  const text = body(t, options.template);
  const headline = `${mentionFor(t, options)}${emoji} *${label(t)}*${suffix}`;
  const value =
    t.result.value !== undefined && t.result.value !== null
      ? ` · value ${truncate(escapeMrkdwn(String(t.result.value)), 200)}`
      : "";
  return {
    text: `${mentionFor(t, options)}${plainText(t, options.template)}`,
    blocks: defined([
      section(truncate(text === "" ? headline : `${headline}\n${text}`, sectionMax)),
      {
        type: "context",
        elements: [
          { type: "mrkdwn", text: `${isRecovery(t) ? "Recovered" : "Since"} ${slackDate(t.since)}${value}` },
        ],
      },
    ]),
  };
}

/**
 * Renders a transition as a Slack message: status emoji and colour, `module / monitor` (linked to the
 * server when `transition.link` is set), the `message` template, value, since, duration, tags, and the
 * Acknowledge / "View in Amstaff" buttons.
 *
 * @example
 * ```ts
 * const content = renderSlackMessage(transition, "message", { template: "{{message}}", interactive: true, now: Date.now() });
 * await client.chat.postMessage({ channel, ...content });
 * ```
 */
export function renderSlackMessage(
  t: Transition,
  variant: SlackMessageVariant,
  options: SlackMessageOptions,
): SlackMessageContent {
  if (variant === "reply") return reply(t, options);
  const { emoji, color } = style(t);
  const mention = variant === "original" ? "" : mentionFor(t, options);
  const text = body(t, options.template);
  return {
    text: `${mention}${plainText(t, options.template)}`,
    blocks: [section(`${mention}${emoji} *${label(t)}* · *${title(t)}*`)],
    attachments: [
      {
        color,
        fallback: plainText(t, options.template),
        blocks: defined([
          text === "" ? undefined : section(text),
          fields(t, text, options.now),
          context(t),
          actions(t, options),
        ]),
      },
    ],
  };
}
