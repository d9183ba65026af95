import type { PluginSpec } from "@amstaff/core";
import { type PagerdutyOptions, pagerdutyPluginId } from "./options.js";

/**
 * In a module file: page through PagerDuty when the monitor fails, and resolve the alert when it recovers.
 * Assembles plain data only; the server validates the options and calls PagerDuty from the node that owns
 * the module.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { pagerduty } from "@amstaff/handler-pagerduty";
 * import { httpGet } from "@amstaff/sampler-http";
 *
 * export default amstaff("User Service", (m) => {
 *   m.monitor("Health-Check", {
 *     sampler: httpGet({ url: "http://user-service/health" }),
 *     timing: every("30s"),
 *     handlers: [
 *       pagerduty({
 *         routingKey: secret("PAGERDUTY_ROUTING_KEY"),
 *         group: "user-service-prod",
 *         severity: { warning: "info" },
 *       }),
 *     ],
 *   });
 * });
 * ```
 */
export function pagerduty(options: PagerdutyOptions): PluginSpec<typeof pagerdutyPluginId, PagerdutyOptions> {
  return { plugin: pagerdutyPluginId, options };
}
