export type { GraphiteSamplerSpec } from "./builders.js";
export { graphite } from "./builders.js";
export type { GraphiteSamplerIdentity, ResolvedGraphiteSamplerOptions } from "./graphiteSampler.js";
export { createGraphiteSampler, graphiteSampler, maxResponseBytes } from "./graphiteSampler.js";
export type { GraphiteAggregation, GraphiteSamplerOptions, ParsedGraphiteSamplerOptions } from "./options.js";
export {
  graphiteAggregations,
  graphitePluginId,
  graphiteSamplerOptionsSchema,
  missingDataStatuses,
} from "./options.js";
export { amstaffPlugin, graphitePlugin } from "./plugin.js";
