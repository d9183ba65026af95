import { defineSamplerPlugin } from "@amstaff/core";
import { icmp } from "./builders.js";
import { createIcmpSampler } from "./icmpSampler.js";
import { icmpPluginId, icmpSamplerOptionsSchema } from "./options.js";

/**
 * The descriptor an Amstaff server discovers: it validates module files' `icmp` specs with
 * {@link icmpSamplerOptionsSchema} and creates samplers from them.
 */
export const icmpPlugin = defineSamplerPlugin({
  kind: "sampler",
  id: icmpPluginId,
  package: icmpPluginId,
  description: "Pings a host (ICMP echo, IPv4 or IPv6) and judges the packet loss and round-trip time",
  options: icmpSamplerOptionsSchema,
  builders: { icmp },
  create: (options, { name, tags }) => createIcmpSampler(options, { name, tags }),
});

/**
 * The conventional name under which an Amstaff server looks for a package's plugin descriptor(s):
 * the same object as {@link icmpPlugin}.
 */
export const amstaffPlugin = icmpPlugin;
