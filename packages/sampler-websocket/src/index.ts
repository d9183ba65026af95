export type { WebsocketSamplerSpec } from "./builders.js";
export { websocket } from "./builders.js";
export type { MessageExpectation } from "./messageExpectation.js";
export { messageExpectationSchema } from "./messageExpectation.js";
export type { ParsedWebsocketSamplerOptions, WebsocketSamplerOptions } from "./options.js";
export { websocketPluginId, websocketSamplerOptionsSchema } from "./options.js";
export { amstaffPlugin, websocketPlugin } from "./plugin.js";
export type { ResolvedWebsocketSamplerOptions, WebsocketSamplerIdentity } from "./websocketSampler.js";
export { createWebsocketSampler, websocketSampler } from "./websocketSampler.js";
