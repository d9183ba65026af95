import { defineSamplerPlugin } from "@amstaff/core";
import { http, httpGet, httpPost } from "./builders.js";
import { createHttpSampler } from "./httpSampler.js";
import { httpPluginId, httpSamplerOptionsSchema } from "./options.js";

/**
 * The descriptor an Amstaff server discovers: it validates module files' `http`, `httpGet` and `httpPost`
 * specs with {@link httpSamplerOptionsSchema} and creates samplers from them.
 */
export const httpPlugin = defineSamplerPlugin({
  kind: "sampler",
  id: httpPluginId,
  package: httpPluginId,
  description: "Requests an HTTP(S) URL and checks its status, latency and body",
  options: httpSamplerOptionsSchema,
  builders: { http, httpGet, httpPost },
  create: (options, { name, tags }) => createHttpSampler(options, { name, tags }),
});

/**
 * The conventional name under which an Amstaff server looks for a package's plugin descriptor(s):
 * the same object as {@link httpPlugin}.
 */
export const amstaffPlugin = httpPlugin;
