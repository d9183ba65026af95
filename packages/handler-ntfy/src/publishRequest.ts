import {
  type DeliveryReceipt,
  defaultMessageTemplate,
  defaultTitleTemplate,
  recoveryOf,
  renderTemplate,
  type Transition,
} from "@amstaff/core";
import {
  defaultPriorities,
  type NtfyPriority,
  ntfyPriorities,
  type ParsedNtfyOptions,
  statusTags,
} from "./options.js";

/** The body of `POST /` (ntfy's "publish as JSON"). */
export interface PublishRequest {
  topic: string;
  title: string;
  message: string;
  /** 1 (min) to 5 (max). */
  priority: number;
  tags: string[];
  click?: string;
  markdown?: true;
}

/** ntfy turns a longer message into an attachment; the handler cuts it instead. */
export const maxMessageBytes = 4096;

/** The priority of a notification, by the status it is about or (`"flapping"`) a flapping announcement. */
export function notificationPriority(
  status: Transition["to"] | "flapping",
  options: ParsedNtfyOptions,
): NtfyPriority {
  return options.priority?.[status] ?? defaultPriorities[status];
}

/**
 * The topic a transition is published to: the one the first delivery of its incident went to (from its
 * receipt), so a recovery follows its alert even when the module moved to another topic meanwhile.
 */
export function topicOf(options: ParsedNtfyOptions, receipt?: DeliveryReceipt): string {
  return typeof receipt?.topic === "string" && receipt.topic !== "" ? receipt.topic : options.topic;
}

/** The JSON that publishes a transition: title, body, priority and emoji tag by status, click link. */
export function publishRequest(
  transition: Transition,
  options: ParsedNtfyOptions,
  receipt?: DeliveryReceipt,
): PublishRequest {
  const flapping = transition.kind === "flapping";
  const recovery = recoveryOf(transition);
  const status = flapping ? "flapping" : transition.to;
  const fallbackTitle = defaultTitleTemplate(transition);
  const title = oneLine(renderTemplate(options.title ?? fallbackTitle, transition));
  const message = renderTemplate(options.message ?? defaultMessageTemplate(transition), transition).trim();
  const click = oneLine(renderTemplate(options.click ?? "{{link}}", transition));
  const tags = [statusTags[status], ...transition.tags, ...(options.tags ?? [])];
  return {
    topic: topicOf(options, receipt),
    title: title === "" ? oneLine(renderTemplate(fallbackTitle, transition)) : title,
    // ntfy publishes an empty body as "triggered": say something that helps instead.
    message: cutToBytes(
      message === "" ? transition.result.message || transition.to : message,
      maxMessageBytes,
    ),
    priority: ntfyPriorities.indexOf(notificationPriority(recovery ? "ok" : status, options)) + 1,
    tags: [...new Set(tags)],
    ...(URL.canParse(click) ? { click } : {}),
    ...(options.markdown ? { markdown: true as const } : {}),
  };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function cutToBytes(text: string, max: number): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= max) return text;
  // Back up to the start of a UTF-8 character (continuation bytes are 10xxxxxx); "…" takes 3 bytes.
  let end = max - 3;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString("utf8")}…`;
}
