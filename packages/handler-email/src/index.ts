export { email } from "./builders.js";
export type { EmailHandlerRuntime, EmailReceipt } from "./emailHandler.js";
export { emailHandler } from "./emailHandler.js";
export { escapeHtml } from "./escapeHtml.js";
export { messageIdFor } from "./messageId.js";
export type { EmailOptions, ParsedEmailOptions } from "./options.js";
export {
  defaultAcknowledgedSubject,
  defaultEscalationSubject,
  defaultFlappingSubject,
  defaultReminderSubject,
  defaultSubject,
  emailOptionsSchema,
  emailPluginId,
} from "./options.js";
export { amstaffPlugin, emailPlugin } from "./plugin.js";
export type { EmailTemplates, RenderedEmail } from "./renderEmail.js";
export { renderEmail, renderHtmlTemplate } from "./renderEmail.js";
