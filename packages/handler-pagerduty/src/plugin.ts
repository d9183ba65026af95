import { defineHandlerPlugin } from "@amstaff/core";
import { pagerduty } from "./builders.js";
import { pagerdutyOptionsSchema, pagerdutyPluginId } from "./options.js";
import { pagerdutyHandler } from "./pagerdutyHandler.js";

/** The descriptor an Amstaff server discovers: lets module files use {@link pagerduty}. */
export const pagerdutyPlugin = defineHandlerPlugin({
  kind: "handler",
  id: pagerdutyPluginId,
  package: "@amstaff/handler-pagerduty",
  description: "Trigger, acknowledge and resolve PagerDuty alerts per incident (Events API v2)",
  options: pagerdutyOptionsSchema,
  builders: { pagerduty },
  create: (options) => pagerdutyHandler(options),
  // An acknowledgement in Amstaff acknowledges the PagerDuty alert at once, not with the next notification.
  notifyOn: { acknowledged: true },
});

/** The plugin of this package, under the name Amstaff servers look for when they discover plugins. */
export const amstaffPlugin = pagerdutyPlugin;
