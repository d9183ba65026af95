import { defineHandlerPlugin } from "@amstaff/core";
import { webhook } from "./builders.js";
import { webhookOptionsSchema, webhookPluginId } from "./options.js";
import { webhookHandler } from "./webhookHandler.js";

/** The descriptor an Amstaff server discovers: lets module files use {@link webhook}. */
export const webhookPlugin = defineHandlerPlugin({
  kind: "handler",
  id: webhookPluginId,
  package: "@amstaff/handler-webhook",
  description: "POST each status transition as JSON to a URL, signed and idempotent",
  options: webhookOptionsSchema,
  builders: { webhook },
  create: (options) => webhookHandler(options),
});

/** The plugin of this package, under the name Amstaff servers look for when they discover plugins. */
export const amstaffPlugin = webhookPlugin;
