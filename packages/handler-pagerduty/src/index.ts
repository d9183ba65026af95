export { pagerduty } from "./builders.js";
export type { AlertEvent, EventAction, TriggerPayload } from "./events.js";
export { dedupKey, eventLimits, eventSeverity, followUpEvent, triggerEvent } from "./events.js";
export type {
  PagerdutyLink,
  PagerdutyOptions,
  PagerdutySeverity,
  ParsedPagerdutyOptions,
} from "./options.js";
export {
  defaultFlappingSummary,
  defaultSeverities,
  defaultSummary,
  linkSchema,
  pagerdutyEventsUrl,
  pagerdutyOptionsSchema,
  pagerdutyPluginId,
  pagerdutySeverities,
} from "./options.js";
export type { PagerdutyHandlerRuntime, PagerdutyReceipt } from "./pagerdutyHandler.js";
export { pagerdutyHandler } from "./pagerdutyHandler.js";
export { amstaffPlugin, pagerdutyPlugin } from "./plugin.js";
