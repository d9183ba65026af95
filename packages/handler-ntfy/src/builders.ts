import type { PluginSpec } from "@amstaff/core";
import { type NtfyOptions, ntfyPluginId } from "./options.js";

/**
 * In a module file: push the monitor's alerts and recoveries to an ntfy topic. Assembles plain data only;
 * the server validates the options and publishes from the node that owns the module.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { ntfy } from "@amstaff/handler-ntfy";
 * import { httpGet } from "@amstaff/sampler-http";
 *
 * export default amstaff("User Service", (m) => {
 *   m.monitor("Health-Check", {
 *     sampler: httpGet({ url: "http://user-service/health" }),
 *     timing: every("30s"),
 *     handlers: [
 *       ntfy({
 *         server: "https://ntfy.example.com",
 *         topic: "user-service-alerts",
 *         token: secret("NTFY_TOKEN"),
 *       }),
 *     ],
 *   });
 * });
 * ```
 */
export function ntfy(options: NtfyOptions): PluginSpec<typeof ntfyPluginId, NtfyOptions> {
  return { plugin: ntfyPluginId, options };
}
