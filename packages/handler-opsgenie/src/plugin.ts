import { defineHandlerPlugin } from "@amstaff/core";
import { opsgenie } from "./builders.js";
import { opsgenieHandler } from "./opsgenieHandler.js";
import { opsgenieOptionsSchema, opsgeniePluginId } from "./options.js";

/** The descriptor an Amstaff server discovers: lets module files use {@link opsgenie}. */
export const opsgeniePlugin = defineHandlerPlugin({
  kind: "handler",
  id: opsgeniePluginId,
  package: "@amstaff/handler-opsgenie",
  description: "Open, deduplicate and close OpsGenie alerts per incident (Alert API v2)",
  options: opsgenieOptionsSchema,
  builders: { opsgenie },
  create: (options) => opsgenieHandler(options),
});

/** The plugin of this package, under the name Amstaff servers look for when they discover plugins. */
export const amstaffPlugin = opsgeniePlugin;
