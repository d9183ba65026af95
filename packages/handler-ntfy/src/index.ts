export { ntfy } from "./builders.js";
export type { NtfyHandlerRuntime, NtfyReceipt } from "./ntfyHandler.js";
export { ntfyHandler } from "./ntfyHandler.js";
export type { NtfyOptions, NtfyPriority, ParsedNtfyOptions } from "./options.js";
export {
  defaultPriorities,
  ntfyOptionsSchema,
  ntfyPluginId,
  ntfyPriorities,
  ntfyServerUrl,
  statusTags,
} from "./options.js";
export { amstaffPlugin, ntfyPlugin } from "./plugin.js";
export type { PublishRequest } from "./publishRequest.js";
export { maxMessageBytes, notificationPriority, publishRequest, topicOf } from "./publishRequest.js";
