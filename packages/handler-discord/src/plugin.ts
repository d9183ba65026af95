import { defineHandlerPlugin } from "@amstaff/core";
import { discord } from "./builders.js";
import { discordHandler } from "./discordHandler.js";
import { discordOptionsSchema, discordPluginId } from "./options.js";

/** The descriptor an Amstaff server discovers: lets module files use {@link discord}. */
export const discordPlugin = defineHandlerPlugin({
  kind: "handler",
  id: discordPluginId,
  package: "@amstaff/handler-discord",
  description: "Post alerts to Discord as embeds coloured by status, marked resolved on recovery (webhooks)",
  options: discordOptionsSchema,
  builders: { discord },
  create: (options) => discordHandler(options),
});

/** The plugin of this package, under the name Amstaff servers look for when they discover plugins. */
export const amstaffPlugin = discordPlugin;
