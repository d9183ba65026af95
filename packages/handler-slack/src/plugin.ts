import { defineHandlerPlugin } from "@amstaff/core";
import { slack } from "./builders.js";
import { slackOptionsSchema, slackPluginId } from "./options.js";
import { slackHandler } from "./slackHandler.js";
import { slackIntegration } from "./slackIntegration.js";

/**
 * The descriptor an Amstaff server discovers: lets module files use {@link slack}, and serves the
 * Acknowledge buttons at `/integrations/slack/actions` ({@link slackIntegration}).
 */
export const slackPlugin = defineHandlerPlugin({
  kind: "handler",
  id: slackPluginId,
  package: "@amstaff/handler-slack",
  description: "Post status transitions to Slack: threaded alerts with an Acknowledge button, or a webhook",
  options: slackOptionsSchema,
  builders: { slack },
  create: (options) => slackHandler(options),
  integration: slackIntegration,
});

/** The plugin of this package, under the name Amstaff servers look for when they discover plugins. */
export const amstaffPlugin = slackPlugin;
