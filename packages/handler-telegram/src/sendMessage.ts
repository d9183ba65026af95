import {
  type DeliveryReceipt,
  defaultMessageTemplate,
  defaultTitleTemplate,
  recoveryOf,
  renderTemplate,
  statusSummary,
  type Transition,
  templateValues,
} from "@amstaff/core";
import { markupFor } from "./escape.js";
import type { ParsedTelegramOptions } from "./options.js";

/** The JSON body of `sendMessage`, as https://core.telegram.org/bots/api#sendmessage documents it. */
export interface SendMessageRequest {
  chat_id: number | string;
  message_thread_id?: number;
  text: string;
  parse_mode: "HTML" | "MarkdownV2";
  link_preview_options: { is_disabled: true };
  disable_notification?: true;
  reply_parameters?: { message_id: number; allow_sending_without_reply: true };
}

/** Telegram's limit on a message's text, in characters after entities are parsed. */
export const maxTextLength = 4096;

/** How long the title and each fact may be, so that they always leave the message room. */
const maxFieldLength = 256;

/** The id of the alert's message in a receipt of this handler, if the receipt is one. */
export function alertMessageId(receipt: DeliveryReceipt | undefined): number | undefined {
  const id = receipt?.messageId;
  return typeof id === "number" && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/**
 * The `sendMessage` of a notification: a bold title, the message, the status, value, incident,
 * acknowledgement and tags, and a link to the monitor, each text from the module escaped for the parse
 * mode. A delivery after the incident's first (reminders, escalations, the recovery) replies to the
 * alert's message; a recovery arrives silently unless `quietRecoveries` is off.
 */
export function sendMessageRequest(
  transition: Transition,
  options: ParsedTelegramOptions,
  receipt: DeliveryReceipt | undefined,
): SendMessageRequest {
  const markup = markupFor(options.parseMode);
  const values = templateValues(transition);
  const recovery = recoveryOf(transition) !== undefined;
  const fallbackTitle = defaultTitleTemplate(transition);
  const title = cut(
    oneLine(renderTemplate(options.title ?? fallbackTitle, transition)) ||
      oneLine(renderTemplate(fallbackTitle, transition)),
    maxFieldLength,
  );
  const facts: [string, string][] = [["Status", statusSummary(transition, values.duration)]];
  if (values.value) facts.push(["Value", oneLine(values.value)]);
  if (transition.incident) facts.push(["Incident", transition.incident.key]);
  if (transition.incident?.acknowledged && !recovery)
    facts.push(["Acknowledged by", transition.incident.acknowledged.by]);
  if (values.tags) facts.push(["Tags", values.tags]);
  for (const fact of facts) fact[1] = cut(fact[1], maxFieldLength);
  const link = transition.link && URL.canParse(transition.link) ? transition.link : undefined;
  const linkLabel = "Open in Amstaff";

  // The visible text may not pass 4,096 characters: the message gives way to the rest.
  const fixed =
    title.length +
    facts.reduce((n, [name, value]) => n + name.length + value.length + 3, 0) +
    (link ? linkLabel.length + 1 : 0) +
    4;
  const message = cut(
    renderTemplate(options.message ?? defaultMessageTemplate(transition), transition).trim(),
    maxTextLength - fixed,
  );
  const lines = [markup.bold(title)];
  if (message) lines.push(markup.text(message));
  lines.push("", ...facts.map(([name, value]) => `${markup.italic(name)}${markup.text(`: ${value}`)}`));
  if (link) lines.push(markup.link(linkLabel, link));

  const replyTo = alertMessageId(receipt);
  return {
    chat_id: options.chatId,
    ...(options.messageThreadId === undefined ? {} : { message_thread_id: options.messageThreadId }),
    text: lines.join("\n"),
    parse_mode: options.parseMode,
    link_preview_options: { is_disabled: true },
    ...(recovery && options.quietRecoveries ? { disable_notification: true as const } : {}),
    ...(replyTo === undefined
      ? {}
      : { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true as const } }),
  };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function cut(text: string, max: number): string {
  if (max <= 0) return "";
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
