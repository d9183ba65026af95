import { defineHandlerPlugin } from "@amstaff/core";
import { ntfy } from "./builders.js";
import { ntfyHandler } from "./ntfyHandler.js";
import { ntfyOptionsSchema, ntfyPluginId } from "./options.js";

/** The descriptor an Amstaff server discovers: lets module files use {@link ntfy}. */
export const ntfyPlugin = defineHandlerPlugin({
  kind: "handler",
  id: ntfyPluginId,
  package: "@amstaff/handler-ntfy",
  description: "Push alerts and recoveries to an ntfy topic, priority and tags by status",
  options: ntfyOptionsSchema,
  builders: { ntfy },
  create: (options) => ntfyHandler(options),
});

/** The plugin of this package, under the name Amstaff servers look for when they discover plugins. */
export const amstaffPlugin = ntfyPlugin;
