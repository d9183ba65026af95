import type { PluginSpec } from "@amstaff/core";
import { type HeartbeatSamplerOptions, heartbeatPluginId } from "./options.js";

/** What the heartbeat builder returns: plain data a module file puts where a sampler goes. */
export type HeartbeatSamplerSpec = PluginSpec<typeof heartbeatPluginId, HeartbeatSamplerOptions>;

/**
 * Describes a dead-man's switch in a module file: the job pings the monitor's URL (`amstaff ping-url`
 * prints it) on an interval or a cron schedule; a late ping is `warning`, a missing one `critical` once
 * the grace period is over, a `/fail` ping `critical` at once.
 *
 * @example
 * ```ts
 * import { amstaff, every } from "@amstaff/dsl";
 * import { heartbeat } from "@amstaff/sampler-heartbeat";
 *
 * export default amstaff("Batch", (m) => {
 *   m.monitor("Nightly backup", {
 *     sampler: heartbeat({ cron: "0 3 * * *", grace: "30m" }),
 *     timing: every("30s"),
 *   });
 * });
 * ```
 */
export function heartbeat(options: HeartbeatSamplerOptions): HeartbeatSamplerSpec {
  return { plugin: heartbeatPluginId, options: { ...options } };
}
