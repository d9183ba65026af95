import type { ParseMode } from "./options.js";

/**
 * Escapes text for Telegram's HTML mode: `&`, `<` and `>` become entities, as
 * https://core.telegram.org/bots/api#html-style asks of every such character outside a tag.
 * `"` is escaped too, so the text may also stand in an attribute (`href`).
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);
}

/**
 * Escapes text for Telegram's MarkdownV2 mode: a backslash before each of the 18 characters
 * `_ * [ ] ( ) ~ \` > # + - = | { } . !` and before a backslash itself, as
 * https://core.telegram.org/bots/api#markdownv2-style asks outside code and link URLs.
 */
export function escapeMarkdownV2(text: string): string {
  return text.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, "\\$&");
}

/**
 * Escapes a URL for the `(…)` of a MarkdownV2 link, where only `)` and `\` are special.
 */
export function escapeMarkdownV2Url(url: string): string {
  return url.replace(/[)\\]/g, "\\$&");
}

/** The markup of one parse mode: bold, italic, a link, each around text it escapes itself. */
export interface Markup {
  /** Text as is, escaped. */
  text(text: string): string;
  /** Bold text. */
  bold(text: string): string;
  /** Italic text. */
  italic(text: string): string;
  /** A link with its label. */
  link(label: string, url: string): string;
}

const html: Markup = {
  text: escapeHtml,
  bold: (text) => `<b>${escapeHtml(text)}</b>`,
  italic: (text) => `<i>${escapeHtml(text)}</i>`,
  link: (label, url) => `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>`,
};

const markdownV2: Markup = {
  text: escapeMarkdownV2,
  bold: (text) => `*${escapeMarkdownV2(text)}*`,
  italic: (text) => `_${escapeMarkdownV2(text)}_`,
  link: (label, url) => `[${escapeMarkdownV2(label)}](${escapeMarkdownV2Url(url)})`,
};

/** The markup of `mode`. */
export function markupFor(mode: ParseMode): Markup {
  return mode === "HTML" ? html : markdownV2;
}
