/** Re-exported from `@amstaff/core`, where the one implementation lives. */
export { maxRetryAfterMs, parseRetryAfter } from "@amstaff/core";
export type { AcknowledgedBy, SlackMessageSnapshot } from "./acknowledgedMessage.js";
export { acknowledgedMessage } from "./acknowledgedMessage.js";
export { slack } from "./builders.js";
export { escapeMrkdwn } from "./mrkdwn.js";
export type { ParsedSlackOptions, SlackBotOptions, SlackOptions, SlackWebhookOptions } from "./options.js";
export {
  defaultSlackMessage,
  slackBotOptionsSchema,
  slackOptionsSchema,
  slackPluginId,
  slackWebhookOptionsSchema,
} from "./options.js";
export { amstaffPlugin, slackPlugin } from "./plugin.js";
export type { SlackFetch } from "./slackClients.js";
export type { SlackHandlerRuntime, SlackReceipt } from "./slackHandler.js";
export { slackHandler, slackMetadataEventType } from "./slackHandler.js";
export type { SlackIntegrationSettings } from "./slackIntegration.js";
export { slackIntegration, slackIntegrationSettingsSchema } from "./slackIntegration.js";
export type {
  SlackAcknowledgement,
  SlackInteractionsHandler,
  SlackInteractionsOptions,
} from "./slackInteractions.js";
export { createSlackInteractions, slackInteractionRoute } from "./slackInteractions.js";
export type {
  AcknowledgeValue,
  SlackAttachment,
  SlackBlock,
  SlackMessageContent,
  SlackMessageOptions,
  SlackMessageVariant,
} from "./slackMessage.js";
export { acknowledgeActionId, renderSlackMessage, viewActionId } from "./slackMessage.js";
