/** The id of the webhook handler plugin, its npm package name. */
export const webhookPluginId = "@amstaff/handler-webhook";
