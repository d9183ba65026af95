import { defineSamplerPlugin } from "@amstaff/core";
import { tcpConnect } from "./builders.js";
import { tcpOptionsSchema, tcpPluginId } from "./options.js";
import { createTcpSampler } from "./tcpSampler.js";

/** The TCP sampler, as an Amstaff server sees it. */
export const tcpPlugin = defineSamplerPlugin({
  kind: "sampler",
  id: tcpPluginId,
  package: tcpPluginId,
  description: "Checks that a TCP port accepts connections",
  options: tcpOptionsSchema,
  builders: { tcpConnect },
  create: (options, context) => createTcpSampler(options, context),
});

/** The name Amstaff servers look for in a plugin package. */
export const amstaffPlugin = tcpPlugin;
