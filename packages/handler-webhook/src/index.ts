/** Re-exported from `@amstaff/core`, where the one implementation lives. */
export { maxRetryAfterMs, parseRetryAfter } from "@amstaff/core";
export { webhook } from "./builders.js";
export { formatTransitionText } from "./formatTransitionText.js";
export type { ParsedWebhookOptions, WebhookOptions } from "./options.js";
export { reservedHeaders, webhookOptionsSchema, webhookPluginId } from "./options.js";
export type { WebhookGroupPayload, WebhookPayload } from "./payload.js";
export { buildWebhookGroupPayload, buildWebhookPayload } from "./payload.js";
export { amstaffPlugin, webhookPlugin } from "./plugin.js";
export type { VerifyWebhookSignatureOptions } from "./signature.js";
export { signatureHeader, signWebhookBody, verifyWebhookSignature } from "./signature.js";
export type { WebhookHandlerRuntime } from "./webhookHandler.js";
export { webhookHandler } from "./webhookHandler.js";
