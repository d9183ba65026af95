import type { PluginSpec } from "@amstaff/core";
import { type TcpOptions, tcpPluginId } from "./options.js";

/**
 * Describes a TCP connect probe, in a module file. Only assembles data; the server validates it.
 *
 * @example
 * ```ts
 * m.monitor("Postgres port", { sampler: tcpConnect({ host: "db.internal", port: 5432 }), timing: every("30s") });
 * ```
 */
export function tcpConnect(options: TcpOptions): PluginSpec<typeof tcpPluginId, TcpOptions> {
  return { plugin: tcpPluginId, options: { ...options } };
}
