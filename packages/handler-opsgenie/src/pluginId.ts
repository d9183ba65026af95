/** The id of the OpsGenie handler plugin, its npm package name. */
export const opsgeniePluginId = "@amstaff/handler-opsgenie";
