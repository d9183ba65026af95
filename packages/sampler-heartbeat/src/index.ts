export type { HeartbeatSamplerSpec } from "./builders.js";
export { heartbeat } from "./builders.js";
export type { HeartbeatClock } from "./evaluation.js";
export { evaluateHeartbeat } from "./evaluation.js";
export type { HeartbeatSamplerIdentity } from "./heartbeatSampler.js";
export { createHeartbeatSampler } from "./heartbeatSampler.js";
export type { HeartbeatSamplerOptions, ParsedHeartbeatSamplerOptions } from "./options.js";
export { heartbeatPluginId, heartbeatSamplerOptionsSchema, nextExpectedAt } from "./options.js";
export {
  heartbeatIntegration,
  parseSignal,
  pingBodyMaxBytes,
  pingMessage,
  pingMessageMaxBytes,
  pingRoutes,
} from "./pingRoutes.js";
export { amstaffPlugin, heartbeatPlugin } from "./plugin.js";
