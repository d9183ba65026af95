import { defineHandlerPlugin } from "@amstaff/core";
import { telegram } from "./builders.js";
import { telegramOptionsSchema, telegramPluginId } from "./options.js";
import { telegramHandler } from "./telegramHandler.js";

/** The descriptor an Amstaff server discovers: lets module files use {@link telegram}. */
export const telegramPlugin = defineHandlerPlugin({
  kind: "handler",
  id: telegramPluginId,
  package: "@amstaff/handler-telegram",
  description: "Send alerts to a Telegram chat through a bot, the recovery as a reply to its alert",
  options: telegramOptionsSchema,
  builders: { telegram },
  create: (options) => telegramHandler(options),
});

/** The plugin of this package, under the name Amstaff servers look for when they discover plugins. */
export const amstaffPlugin = telegramPlugin;
