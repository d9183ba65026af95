import type { PluginSpec } from "@amstaff/core";
import { type WebhookOptions, webhookPluginId } from "./options.js";

/**
 * In a module file: notify a webhook when the monitor changes status. Assembles plain data only; the
 * server validates the options and runs the handler on the node that owns the module.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { webhook } from "@amstaff/handler-webhook";
 *
 * export default amstaff("User Service", (m) => {
 *   m.monitor("Health-Check", {
 *     sampler: httpGet({ url: "http://user-service/health" }),
 *     timing: every("30s"),
 *     handlers: [
 *       webhook({
 *         url: "https://hooks.example.com/amstaff",
 *         headers: { authorization: secret("HOOKS_TOKEN") },
 *         signingSecret: secret("HOOKS_SIGNING_SECRET"),
 *       }),
 *     ],
 *   });
 * });
 * ```
 */
export function webhook(options: WebhookOptions): PluginSpec<typeof webhookPluginId, WebhookOptions> {
  return { plugin: webhookPluginId, options };
}
