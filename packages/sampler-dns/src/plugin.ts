import { defineSamplerPlugin } from "@amstaff/core";
import { dns } from "./builders.js";
import { createDnsSampler } from "./dnsSampler.js";
import { dnsPluginId, dnsSamplerOptionsSchema } from "./options.js";

/**
 * The descriptor an Amstaff server discovers: it validates module files' `dns` specs with
 * {@link dnsSamplerOptionsSchema} and creates samplers from them.
 */
export const dnsPlugin = defineSamplerPlugin({
  kind: "sampler",
  id: dnsPluginId,
  package: dnsPluginId,
  description: "Looks up DNS records and checks the answers, the latency, NXDOMAIN and SERVFAIL",
  options: dnsSamplerOptionsSchema,
  builders: { dns },
  create: (options, { name, tags }) => createDnsSampler(options, { name, tags }),
});

/**
 * The conventional name under which an Amstaff server looks for a package's plugin descriptor(s):
 * the same object as {@link dnsPlugin}.
 */
export const amstaffPlugin = dnsPlugin;
