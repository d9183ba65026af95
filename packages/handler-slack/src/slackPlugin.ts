import { defineHandlerPlugin } from "@amstaff/core";
import { slackOptionsSchema } from "./options.js";
import { slackPluginId } from "./pluginId.js";
import { slack } from "./slack.js";
import { slackHandler } from "./slackHandler.js";

/** The descriptor an Amstaff server discovers: lets module files use {@link slack}. */
export const slackPlugin = defineHandlerPlugin({
  kind: "handler",
  id: slackPluginId,
  package: "@amstaff/handler-slack",
  description: "Post status transitions to Slack: threaded alerts with an Acknowledge button, or a webhook",
  options: slackOptionsSchema,
  builders: { slack },
  create: (options) => slackHandler(options),
});

/** The conventional name servers look for when they load an installed plugin package. */
export const amstaffPlugin = slackPlugin;
