import type { PluginSpec } from "@amstaff/core";
import { type TelegramOptions, telegramPluginId } from "./options.js";

/**
 * In a module file: send the monitor's alerts to a Telegram chat through a bot, the recovery as a reply to
 * its alert. Assembles plain data only; the server validates the options and calls Telegram from the node
 * that owns the module.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { telegram } from "@amstaff/handler-telegram";
 * import { httpGet } from "@amstaff/sampler-http";
 *
 * export default amstaff("User Service", (m) => {
 *   m.monitor("Health-Check", {
 *     sampler: httpGet({ url: "http://user-service/health" }),
 *     timing: every("30s"),
 *     handlers: [telegram({ token: secret("TELEGRAM_BOT_TOKEN"), chatId: -1001234567890 })],
 *   });
 * });
 * ```
 */
export function telegram(options: TelegramOptions): PluginSpec<typeof telegramPluginId, TelegramOptions> {
  return { plugin: telegramPluginId, options };
}
