import { defineHandlerPlugin } from "@amstaff/core";
import { email } from "./builders.js";
import { emailHandler } from "./emailHandler.js";
import { emailOptionsSchema, emailPluginId } from "./options.js";

/** The descriptor an Amstaff server discovers: lets module files use {@link email}. */
export const emailPlugin = defineHandlerPlugin({
  kind: "handler",
  id: emailPluginId,
  package: "@amstaff/handler-email",
  description: "Email each status transition over SMTP, threaded per incident",
  options: emailOptionsSchema,
  builders: { email },
  create: (options) => emailHandler(options),
});

/** The plugin of this package, under the name Amstaff servers look for when they discover plugins. */
export const amstaffPlugin = emailPlugin;
