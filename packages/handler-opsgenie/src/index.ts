/** Re-exported from `@amstaff/core`, where the one implementation lives. */
export { maxRetryAfterMs, parseRetryAfter } from "@amstaff/core";
export type { CloseAlertRequest, CreateAlertRequest } from "./alertRequests.js";
export {
  alertAlias,
  alertLimits,
  alertPriority,
  closeAlertRequest,
  createAlertRequest,
} from "./alertRequests.js";
export { opsgenie } from "./builders.js";
export type { OpsgenieHandlerRuntime, OpsgenieReceipt } from "./opsgenieHandler.js";
export { opsgenieHandler } from "./opsgenieHandler.js";
export type {
  OpsgenieOptions,
  OpsgeniePriority,
  OpsgenieResponder,
  ParsedOpsgenieOptions,
} from "./options.js";
export {
  defaultCloseNote,
  defaultFlappingMessage,
  defaultMessage,
  defaultPriorities,
  opsgenieOptionsSchema,
  opsgeniePluginId,
  opsgeniePriorities,
  opsgenieRegions,
  responderSchema,
} from "./options.js";
export { amstaffPlugin, opsgeniePlugin } from "./plugin.js";
