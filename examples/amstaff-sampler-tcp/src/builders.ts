import type { PluginSpec } from "@amstaff/core";
import type { TcpOptions } from "./options.js";

/**
 * Describes a TCP connect probe, in a module file. Only assembles data; the server validates it.
 *
 * @example
 * ```ts
 * m.monitor("Postgres port", { sampler: tcpConnect({ host: "db.internal", port: 5432 }), timing: every("30s") });
 * ```
 */
export function tcpConnect(options: TcpOptions): PluginSpec<"amstaff-sampler-tcp", TcpOptions> {
  return { plugin: "amstaff-sampler-tcp", options: { ...options } };
}
