export type { NtfyHandlerSpec } from "./builders.js";
export { ntfy } from "./builders.js";
export { createNtfyHandler } from "./ntfyHandler.js";
export type { NtfyOptions, ParsedNtfyOptions } from "./options.js";
export { ntfyOptionsSchema, ntfyPluginId } from "./options.js";
export { amstaffPlugin, ntfyPlugin } from "./plugin.js";
