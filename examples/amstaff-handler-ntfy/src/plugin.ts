import { defineHandlerPlugin } from "@amstaff/core";
import { ntfy } from "./builders.js";
import { createNtfyHandler } from "./ntfyHandler.js";
import { ntfyOptionsSchema, ntfyPluginId } from "./options.js";

/** The ntfy handler, as an Amstaff server sees it: lets module files use {@link ntfy}. */
export const ntfyPlugin = defineHandlerPlugin({
  kind: "handler",
  id: ntfyPluginId,
  package: ntfyPluginId,
  description: "Push each status transition to an ntfy topic (phones, desktops)",
  options: ntfyOptionsSchema,
  builders: { ntfy },
  create: (options) => createNtfyHandler(options),
});

/** The plugin of this package, under the name Amstaff servers look for when they discover plugins. */
export const amstaffPlugin = ntfyPlugin;
