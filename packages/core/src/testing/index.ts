/**
 * `@amstaff/core/testing`: the conformance suite every sampler and handler plugin runs, ours and
 * third-party ones alike, and the fixtures their own tests share. Each `describe…` function registers a
 * vitest `describe` block; call it at the top level of a test file. The fixtures (a sample transition and
 * notify context, loopback HTTP receivers, a server that never answers, free and closed ports) register
 * no tests and touch nothing but 127.0.0.1.
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
export { deliveryFailure } from "./deliveryFailure.js";
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
export type { InjectedAnswer } from "./emulatorControls.js";
export { answerJson, EmulatorControls } from "./emulatorControls.js";
export { notifyContext } from "./notifyContext.js";
export { closedPort, freePort } from "./ports.js";
export type { ReceivedRequest, Receiver, ReceiverOptions, Responder } from "./receiver.js";
export { closeReceivers, startReceiver } from "./receiver.js";
export type { SilentServer } from "./silentServer.js";
export { startSilentServer } from "./silentServer.js";
export { recoveryOf, sampleTransition, sampleTransitionStart } from "./transitions.js";
