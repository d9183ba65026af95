import type { PluginSpec } from "@amstaff/core";
import { type DiscordOptions, discordPluginId } from "./options.js";

/**
 * In a module file: post the monitor's alerts to a Discord channel, and mark them resolved when it
 * recovers. Assembles plain data only; the server validates the options and posts from the node that owns
 * the module.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { discord } from "@amstaff/handler-discord";
 * import { httpGet } from "@amstaff/sampler-http";
 *
 * export default amstaff("User Service", (m) => {
 *   m.monitor("Health-Check", {
 *     sampler: httpGet({ url: "http://user-service/health" }),
 *     timing: every("30s"),
 *     handlers: [
 *       discord({
 *         url: secret("DISCORD_WEBHOOK_URL"),
 *         mentions: { roles: ["123456789012345678"] },
 *       }),
 *     ],
 *   });
 * });
 * ```
 */
export function discord(options: DiscordOptions): PluginSpec<typeof discordPluginId, DiscordOptions> {
  return { plugin: discordPluginId, options };
}
