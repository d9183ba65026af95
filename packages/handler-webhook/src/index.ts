/** Re-exported from `@amstaff/core`, where the one implementation lives. */
export { maxRetryAfterMs, parseRetryAfter } from "@amstaff/core";
export { formatTransitionText } from "./formatTransitionText.js";
export type { ParsedWebhookOptions, WebhookOptions } from "./options.js";
export { reservedHeaders, webhookOptionsSchema } from "./options.js";
export type { WebhookPayload } from "./payload.js";
export { buildWebhookPayload } from "./payload.js";
export { webhookPluginId } from "./pluginId.js";
export type { VerifyWebhookSignatureOptions } from "./signature.js";
export { signatureHeader, signWebhookBody, verifyWebhookSignature } from "./signature.js";
export { webhook } from "./webhook.js";
export type { WebhookHandlerRuntime } from "./webhookHandler.js";
export { webhookHandler } from "./webhookHandler.js";
export { webhookPlugin as amstaffPlugin, webhookPlugin } from "./webhookPlugin.js";
