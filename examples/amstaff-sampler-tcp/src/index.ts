export { tcpConnect } from "./builders.js";
export type { ParsedTcpOptions, TcpOptions } from "./options.js";
export { tcpOptionsSchema, tcpPluginId } from "./options.js";
export { amstaffPlugin, tcpPlugin } from "./plugin.js";
export { createTcpSampler } from "./tcpSampler.js";
