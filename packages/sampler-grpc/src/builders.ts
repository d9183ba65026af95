import type { PluginSpec } from "@amstaff/core";
import { type GrpcSamplerOptions, grpcPluginId } from "./options.js";

/** What the gRPC builder returns: plain data a module file puts where a sampler goes. */
export type GrpcSamplerSpec = PluginSpec<typeof grpcPluginId, GrpcSamplerOptions>;

/**
 * Describes a gRPC health probe in a module file: `grpc.health.v1.Health/Check` for one service (or the
 * server as a whole), optionally over TLS. It only assembles plain data: the server validates the options
 * when the module is pushed and resolves secrets on the node that probes.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { grpc } from "@amstaff/sampler-grpc";
 *
 * export default amstaff("Orders", (m) => {
 *   m.monitor("Orders API health", {
 *     sampler: grpc({
 *       host: "orders.internal",
 *       port: 443,
 *       service: "orders.v1.Orders",
 *       tls: { ca: secret("INTERNAL_CA") },
 *       metadata: { authorization: secret("HEALTH_TOKEN") },
 *       latency: { warning: 200, critical: 1000 },
 *     }),
 *     timing: every("30s"),
 *   });
 * });
 * ```
 */
export function grpc(options: GrpcSamplerOptions): GrpcSamplerSpec {
  return { plugin: grpcPluginId, options: { ...options } };
}
