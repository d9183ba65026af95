export type { HttpSamplerSpec } from "./builders.js";
export { http, httpGet, httpPost } from "./builders.js";
export type { HttpSamplerIdentity, ResolvedHttpSamplerOptions } from "./httpSampler.js";
export { createHttpSampler, httpSampler } from "./httpSampler.js";
export type { BodyExpectation, HttpSamplerOptions, ParsedHttpSamplerOptions } from "./options.js";
export { bodyExpectationSchema, httpMethods, httpPluginId, httpSamplerOptionsSchema } from "./options.js";
export { amstaffPlugin, httpPlugin } from "./plugin.js";
