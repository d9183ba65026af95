import { defineSamplerPlugin } from "@amstaff/core";
import { heartbeat } from "./builders.js";
import { createHeartbeatSampler } from "./heartbeatSampler.js";
import { heartbeatPluginId, heartbeatSamplerOptionsSchema } from "./options.js";
import { heartbeatIntegration } from "./pingRoutes.js";

/**
 * The descriptor an Amstaff server discovers: it validates module files' `heartbeat` specs, serves the
 * ping routes, and creates samplers that judge the committed pings.
 */
export const heartbeatPlugin = defineSamplerPlugin({
  kind: "sampler",
  id: heartbeatPluginId,
  package: heartbeatPluginId,
  description:
    "A dead-man's switch: jobs ping a URL on an interval or cron schedule; late or failed runs alert",
  options: heartbeatSamplerOptionsSchema,
  builders: { heartbeat },
  integration: heartbeatIntegration,
  create: (options, { name, tags, module, host }) =>
    createHeartbeatSampler(options, { name, tags, module, host }),
});

/**
 * The conventional name under which an Amstaff server looks for a package's plugin descriptor(s):
 * the same object as {@link heartbeatPlugin}.
 */
export const amstaffPlugin = heartbeatPlugin;
