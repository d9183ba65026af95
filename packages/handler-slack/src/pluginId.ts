/** The id of the Slack handler plugin, its npm package name. */
export const slackPluginId = "@amstaff/handler-slack";
