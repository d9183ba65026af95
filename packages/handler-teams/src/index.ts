export type {
  AdaptiveCard,
  CardElement,
  ContainerStyle,
  TextColor,
  WorkflowMessage,
} from "./adaptiveCard.js";
export { openLabel, statusStyles, workflowMessage } from "./adaptiveCard.js";
export { teams } from "./builders.js";
export type { CardVersion, ParsedTeamsOptions, TeamsOptions } from "./options.js";
export { cardVersions, isWorkflowUrl, teamsOptionsSchema, teamsPluginId } from "./options.js";
export { amstaffPlugin, teamsPlugin } from "./plugin.js";
export type { TeamsHandlerRuntime, TeamsReceipt } from "./teamsHandler.js";
export { teamsHandler } from "./teamsHandler.js";
