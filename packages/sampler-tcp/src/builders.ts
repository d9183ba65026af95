import type { PluginSpec } from "@amstaff/core";
import { type TcpSamplerOptions, tcpPluginId } from "./options.js";

/** What the TCP builder returns: plain data a module file puts where a sampler goes. */
export type TcpSamplerSpec = PluginSpec<typeof tcpPluginId, TcpSamplerOptions>;

/**
 * Describes a TCP probe in a module file: connect, optionally send and check the reply, optionally over TLS.
 * It only assembles plain data: the server validates the options when the module is pushed and resolves
 * secrets on the node that probes.
 *
 * @example
 * ```ts
 * import { amstaff, every } from "@amstaff/dsl";
 * import { tcp } from "@amstaff/sampler-tcp";
 *
 * export default amstaff("Mail", (m) => {
 *   m.monitor("SMTP greets", {
 *     sampler: tcp({ host: "mail.internal", port: 25, expect: { matches: "^220 .*ESMTP" } }),
 *     timing: every("1m"),
 *   });
 *   m.monitor("IMAPS certificate", {
 *     sampler: tcp({ host: "mail.example.com", port: 993, tls: { certificate: { warningDays: 21, criticalDays: 7 } } }),
 *     timing: every("1h"),
 *   });
 * });
 * ```
 */
export function tcp(options: TcpSamplerOptions): TcpSamplerSpec {
  return { plugin: tcpPluginId, options: { ...options } };
}
