export type { IcmpSamplerSpec } from "./builders.js";
export { icmp } from "./builders.js";
export type { IcmpSamplerIdentity } from "./icmpSampler.js";
export { createIcmpSampler, icmpSampler } from "./icmpSampler.js";
export type { IcmpSamplerOptions, ParsedIcmpSamplerOptions } from "./options.js";
export { icmpPluginId, icmpSamplerOptionsSchema, packetLossThresholdsSchema } from "./options.js";
export { amstaffPlugin, icmpPlugin } from "./plugin.js";
