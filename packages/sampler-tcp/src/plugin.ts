import { defineSamplerPlugin } from "@amstaff/core";
import { tcp } from "./builders.js";
import { tcpPluginId, tcpSamplerOptionsSchema } from "./options.js";
import { createTcpSampler } from "./tcpSampler.js";

/**
 * The descriptor an Amstaff server discovers: it validates module files' `tcp` specs with
 * {@link tcpSamplerOptionsSchema} and creates samplers from them.
 */
export const tcpPlugin = defineSamplerPlugin({
  kind: "sampler",
  id: tcpPluginId,
  package: tcpPluginId,
  description: "Connects to a TCP port (optionally TLS), checks the reply, the latency and the certificate",
  options: tcpSamplerOptionsSchema,
  builders: { tcp },
  create: (options, { name, tags }) => createTcpSampler(options, { name, tags }),
});

/**
 * The conventional name under which an Amstaff server looks for a package's plugin descriptor(s):
 * the same object as {@link tcpPlugin}.
 */
export const amstaffPlugin = tcpPlugin;
