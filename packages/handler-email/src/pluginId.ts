/** The id of the email handler plugin, its npm package name. */
export const emailPluginId = "@amstaff/handler-email";
