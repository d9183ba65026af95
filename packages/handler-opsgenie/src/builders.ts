import type { PluginSpec } from "@amstaff/core";
import { type OpsgenieOptions, opsgeniePluginId } from "./options.js";

/**
 * In a module file: page through OpsGenie when the monitor fails, and close the alert when it recovers.
 * Assembles plain data only; the server validates the options and calls OpsGenie from the node that owns
 * the module.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { opsgenie } from "@amstaff/handler-opsgenie";
 * import { httpGet } from "@amstaff/sampler-http";
 *
 * export default amstaff("User Service", (m) => {
 *   m.monitor("Health-Check", {
 *     sampler: httpGet({ url: "http://user-service/health" }),
 *     timing: every("30s"),
 *     handlers: [
 *       opsgenie({
 *         apiKey: secret("OPSGENIE_API_KEY"),
 *         region: "eu",
 *         responders: [{ type: "team", name: "user-service" }],
 *         priority: { warning: "P4" },
 *       }),
 *     ],
 *   });
 * });
 * ```
 */
export function opsgenie(options: OpsgenieOptions): PluginSpec<typeof opsgeniePluginId, OpsgenieOptions> {
  return { plugin: opsgeniePluginId, options };
}
