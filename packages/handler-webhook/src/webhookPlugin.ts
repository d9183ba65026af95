import { defineHandlerPlugin } from "@amstaff/core";
import { webhookOptionsSchema } from "./options.js";
import { webhookPluginId } from "./pluginId.js";
import { webhook } from "./webhook.js";
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
