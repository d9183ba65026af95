import type { PluginSpec } from "@amstaff/core";
import { type TeamsOptions, teamsPluginId } from "./options.js";

/**
 * In a module file: post the monitor's alerts and recoveries to a Microsoft Teams channel as Adaptive
 * Cards, through a Workflows webhook. Assembles plain data only; the server validates the options and calls
 * the workflow from the node that owns the module.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { teams } from "@amstaff/handler-teams";
 * import { httpGet } from "@amstaff/sampler-http";
 *
 * export default amstaff("User Service", (m) => {
 *   m.monitor("Health-Check", {
 *     sampler: httpGet({ url: "http://user-service/health" }),
 *     timing: every("30s"),
 *     handlers: [teams({ url: secret("TEAMS_WORKFLOW_URL") })],
 *   });
 * });
 * ```
 */
export function teams(options: TeamsOptions): PluginSpec<typeof teamsPluginId, TeamsOptions> {
  return { plugin: teamsPluginId, options };
}
