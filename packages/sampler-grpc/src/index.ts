export type { GrpcSamplerSpec } from "./builders.js";
export { grpc } from "./builders.js";
export type { GrpcSamplerIdentity, ResolvedGrpcSamplerOptions } from "./grpcSampler.js";
export { createGrpcSampler, grpcSampler } from "./grpcSampler.js";
export type { ServingStatus } from "./healthMessages.js";
export type { GrpcSamplerOptions, ParsedGrpcSamplerOptions } from "./options.js";
export { grpcPluginId, grpcSamplerOptionsSchema, grpcTlsSchema } from "./options.js";
export { amstaffPlugin, grpcPlugin } from "./plugin.js";
