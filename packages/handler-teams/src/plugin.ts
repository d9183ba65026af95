import { defineHandlerPlugin } from "@amstaff/core";
import { teams } from "./builders.js";
import { teamsOptionsSchema, teamsPluginId } from "./options.js";
import { teamsHandler } from "./teamsHandler.js";

/** The descriptor an Amstaff server discovers: lets module files use {@link teams}. */
export const teamsPlugin = defineHandlerPlugin({
  kind: "handler",
  id: teamsPluginId,
  package: "@amstaff/handler-teams",
  description:
    "Post alerts and recoveries to a Microsoft Teams channel as Adaptive Cards (Workflows webhook)",
  options: teamsOptionsSchema,
  builders: { teams },
  create: (options) => teamsHandler(options),
});

/** The plugin of this package, under the name Amstaff servers look for when they discover plugins. */
export const amstaffPlugin = teamsPlugin;
