import { defineSamplerPlugin } from "@amstaff/core";
import { grpc } from "./builders.js";
import { createGrpcSampler } from "./grpcSampler.js";
import { grpcPluginId, grpcSamplerOptionsSchema } from "./options.js";

/**
 * The descriptor an Amstaff server discovers: it validates module files' `grpc` specs with
 * {@link grpcSamplerOptionsSchema} and creates samplers from them.
 */
export const grpcPlugin = defineSamplerPlugin({
  kind: "sampler",
  id: grpcPluginId,
  package: grpcPluginId,
  description: "Asks a gRPC server for a service's health (grpc.health.v1.Health/Check), optionally over TLS",
  options: grpcSamplerOptionsSchema,
  builders: { grpc },
  create: (options, { name, tags }) => createGrpcSampler(options, { name, tags }),
});

/**
 * The conventional name under which an Amstaff server looks for a package's plugin descriptor(s):
 * the same object as {@link grpcPlugin}.
 */
export const amstaffPlugin = grpcPlugin;
