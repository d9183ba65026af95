export type { TcpSamplerSpec } from "./builders.js";
export { tcp } from "./builders.js";
export type { ParsedTcpSamplerOptions, TcpSamplerOptions } from "./options.js";
export { tcpPluginId, tcpSamplerOptionsSchema, tcpTlsSchema } from "./options.js";
export { amstaffPlugin, tcpPlugin } from "./plugin.js";
export type { ReplyExpectation } from "./replyExpectation.js";
export { replyExpectationSchema } from "./replyExpectation.js";
export type { ResolvedTcpSamplerOptions, TcpSamplerIdentity } from "./tcpSampler.js";
export { createTcpSampler, tcpSampler } from "./tcpSampler.js";
