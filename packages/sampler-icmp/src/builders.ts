import type { PluginSpec } from "@amstaff/core";
import { type IcmpSamplerOptions, icmpPluginId } from "./options.js";

/** What the ICMP builder returns: plain data a module file puts where a sampler goes. */
export type IcmpSamplerSpec = PluginSpec<typeof icmpPluginId, IcmpSamplerOptions>;

/**
 * Describes an ICMP probe in a module file: `count` pings, judged on packet loss and round trip. It only
 * assembles plain data: the server validates the options when the module is pushed.
 *
 * @example
 * ```ts
 * import { amstaff, every } from "@amstaff/dsl";
 * import { icmp } from "@amstaff/sampler-icmp";
 *
 * export default amstaff("Network", (m) => {
 *   m.monitor("Core router", {
 *     sampler: icmp({ host: "10.0.0.1", count: 5, packetLoss: { warning: 20, critical: 60 }, roundTrip: { warning: 50 } }),
 *     timing: every("1m"),
 *   });
 * });
 * ```
 */
export function icmp(options: IcmpSamplerOptions): IcmpSamplerSpec {
  return { plugin: icmpPluginId, options: { ...options } };
}
