export { discord } from "./builders.js";
export type { DiscordHandlerRuntime, DiscordReceipt } from "./discordHandler.js";
export { discordHandler } from "./discordHandler.js";
export type { AllowedMentions, DiscordEmbed, EmbedField, WebhookMessage } from "./discordMessage.js";
export { embedLimits, resolvedEdit, statusColors, statusEmbed, webhookMessage } from "./discordMessage.js";
export type { DiscordOptions, ParsedDiscordOptions, ResolveMode } from "./options.js";
export { discordOptionsSchema, discordPluginId, resolveModes, webhookUrlPattern } from "./options.js";
export { amstaffPlugin, discordPlugin } from "./plugin.js";
export { RateLimitBucket, rateLimitWaitMs } from "./rateLimit.js";
