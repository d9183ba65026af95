export { email } from "./email.js";
export type { EmailHandlerRuntime, EmailReceipt } from "./emailHandler.js";
export { emailHandler } from "./emailHandler.js";
export { amstaffPlugin, emailPlugin } from "./emailPlugin.js";
export { escapeHtml } from "./escapeHtml.js";
export { messageIdFor } from "./messageId.js";
export type { EmailOptions, ParsedEmailOptions } from "./options.js";
export {
  defaultEscalationSubject,
  defaultFlappingSubject,
  defaultReminderSubject,
  defaultSubject,
  emailOptionsSchema,
} from "./options.js";
export { emailPluginId } from "./pluginId.js";
export type { EmailTemplates, RenderedEmail } from "./renderEmail.js";
export { renderEmail, renderHtmlTemplate } from "./renderEmail.js";
