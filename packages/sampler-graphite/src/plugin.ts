import { defineSamplerPlugin } from "@amstaff/core";
import { graphite } from "./builders.js";
import { createGraphiteSampler } from "./graphiteSampler.js";
import { graphitePluginId, graphiteSamplerOptionsSchema } from "./options.js";

/**
 * The descriptor an Amstaff server discovers: it validates module files' `graphite` specs with
 * {@link graphiteSamplerOptionsSchema} and creates samplers from them.
 */
export const graphitePlugin = defineSamplerPlugin({
  kind: "sampler",
  id: graphitePluginId,
  package: graphitePluginId,
  description: "Judges Graphite series (render API) against warning and critical thresholds",
  options: graphiteSamplerOptionsSchema,
  builders: { graphite },
  create: (options, { name, tags }) => createGraphiteSampler(options, { name, tags }),
});

/** The plugin under the name every Amstaff plugin package exports, for discovery. */
export const amstaffPlugin = graphitePlugin;
