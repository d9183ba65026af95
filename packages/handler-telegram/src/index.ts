export { telegram } from "./builders.js";
export type { Markup } from "./escape.js";
export { escapeHtml, escapeMarkdownV2, escapeMarkdownV2Url, markupFor } from "./escape.js";
export type { ParsedTelegramOptions, ParseMode, TelegramOptions } from "./options.js";
export {
  botTokenPattern,
  parseModes,
  telegramApiUrl,
  telegramOptionsSchema,
  telegramPluginId,
} from "./options.js";
export { amstaffPlugin, telegramPlugin } from "./plugin.js";
export type { SendMessageRequest } from "./sendMessage.js";
export { alertMessageId, maxTextLength, sendMessageRequest } from "./sendMessage.js";
export type { TelegramHandlerRuntime, TelegramReceipt } from "./telegramHandler.js";
export { telegramHandler } from "./telegramHandler.js";
