import type { PluginSpec } from "@amstaff/core";
import { type DnsSamplerOptions, dnsPluginId } from "./options.js";

/** What the DNS builder returns: plain data a module file puts where a sampler goes. */
export type DnsSamplerSpec = PluginSpec<typeof dnsPluginId, DnsSamplerOptions>;

/**
 * Describes a DNS lookup probe in a module file. It only assembles plain data: the server validates the
 * options when the module is pushed.
 *
 * @example
 * ```ts
 * import { amstaff, every } from "@amstaff/dsl";
 * import { dns } from "@amstaff/sampler-dns";
 *
 * export default amstaff("DNS", (m) => {
 *   m.monitor("www points at the load balancer", {
 *     sampler: dns({ domain: "www.example.com", type: "A", expect: { equals: ["192.0.2.10", "192.0.2.11"] } }),
 *     timing: every("5m"),
 *   });
 *   m.monitor("SPF published", {
 *     sampler: dns({ domain: "example.com", type: "TXT", resolver: "1.1.1.1", expect: { matches: "^v=spf1 " } }),
 *     timing: every("1h"),
 *   });
 * });
 * ```
 */
export function dns(options: DnsSamplerOptions): DnsSamplerSpec {
  return { plugin: dnsPluginId, options: { ...options } };
}
