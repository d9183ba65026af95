import type { PluginSpec } from "@amstaff/core";
import { type GraphiteSamplerOptions, graphitePluginId } from "./options.js";

/** What {@link graphite} returns: plain data a module file puts where a sampler goes. */
export type GraphiteSamplerSpec = PluginSpec<typeof graphitePluginId, GraphiteSamplerOptions>;

/**
 * Describes a Graphite threshold check, in a module file. It only assembles plain data: the server
 * validates the options when the module is pushed and resolves secrets on the node that probes.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { graphite } from "@amstaff/sampler-graphite";
 *
 * export default amstaff("Web fleet", (m) => {
 *   m.monitor("CPU too high", {
 *     sampler: graphite({
 *       url: "https://graphite.example.com",
 *       target: "servers.web*.cpu.total",
 *       warning: 70,
 *       critical: 85,
 *       headers: { authorization: secret("GRAPHITE_TOKEN") },
 *     }),
 *     timing: every("1m"),
 *   });
 * });
 * ```
 */
export function graphite(options: GraphiteSamplerOptions): GraphiteSamplerSpec {
  return { plugin: graphitePluginId, options: { ...options } };
}
