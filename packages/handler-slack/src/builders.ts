import type { PluginSpec } from "@amstaff/core";
import { type SlackOptions, slackPluginId } from "./options.js";

/**
 * In a module file: notify Slack when the monitor changes status. Assembles plain data only; the server
 * validates the options and runs the handler on the node that owns the module.
 *
 * Bot mode (`token` + `channel`, recommended) threads the recovery under the alert, updates the alert
 * when it resolves and offers an Acknowledge button; webhook mode (`webhookUrl`) posts plain messages.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { slack } from "@amstaff/handler-slack";
 * import { httpGet } from "@amstaff/sampler-http";
 *
 * export default amstaff("User Service", (m) => {
 *   m.monitor("Health-Check", {
 *     sampler: httpGet({ url: "http://user-service/health" }),
 *     timing: every("30s"),
 *     handlers: [
 *       slack({ token: secret("SLACK_TOKEN"), channel: "C0123ABCD", mention: "<!subteam^S0123ABC>" }),
 *       slack({ webhookUrl: secret("SLACK_WEBHOOK"), message: "User service: {{message}}" }),
 *     ],
 *   });
 * });
 * ```
 */
export function slack(options: SlackOptions): PluginSpec<typeof slackPluginId, SlackOptions> {
  return { plugin: slackPluginId, options };
}
