/**
 * `@amstaff/core/testing`: the conformance suite every sampler and handler plugin runs, ours and
 * third-party ones alike. Each function registers a vitest `describe` block; call it at the top level of
 * a test file.
 *
 * @example
 * ```ts
 * // src/conformance.test.ts
 * import { describeSamplerPlugin } from "@amstaff/core/testing";
 * import { redisPlugin } from "./plugin.js";
 *
 * describeSamplerPlugin(redisPlugin, {
 *   validOptions: [{ url: "redis://127.0.0.1:6379" }],
 *   invalidOptions: [{ options: { url: 42 }, path: "url" }],
 * });
 * ```
 *
 * @module
 */
export type { InvalidOptionsCase } from "./conformanceShared.js";
export type {
  HandlerConformanceOptions,
  HandlerTarget,
  HandlerTargetFactory,
} from "./describeHandlerPlugin.js";
export { describeHandlerPlugin } from "./describeHandlerPlugin.js";
export type {
  SamplerConformanceOptions,
  SamplerTarget,
  SamplerTargetFactory,
} from "./describeSamplerPlugin.js";
export { describeSamplerPlugin } from "./describeSamplerPlugin.js";
