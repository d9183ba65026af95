import type { PluginSpec } from "@amstaff/core";
import { type HttpSamplerOptions, httpPluginId } from "./options.js";

/** What the HTTP builders return: plain data a module file puts where a sampler goes. */
export type HttpSamplerSpec = PluginSpec<typeof httpPluginId, HttpSamplerOptions>;

/**
 * Describes an HTTP probe with any method, in a module file. It only assembles plain data: the server
 * validates the options when the module is pushed and resolves secrets on the node that probes.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { http } from "@amstaff/sampler-http";
 *
 * export default amstaff("Search", (m) => {
 *   m.monitor("Search answers", {
 *     sampler: http({ url: "https://search.example.com/ping", method: "HEAD" }),
 *     timing: every("1m"),
 *   });
 * });
 * ```
 */
export function http(options: HttpSamplerOptions): HttpSamplerSpec {
  return { plugin: httpPluginId, options: { ...options } };
}

/**
 * Describes an HTTP GET probe, in a module file.
 *
 * @example
 * ```ts
 * import { amstaff, every } from "@amstaff/dsl";
 * import { httpGet } from "@amstaff/sampler-http";
 *
 * export default amstaff("User Service", (m) => {
 *   m.monitor("Health-Check Failed", {
 *     sampler: httpGet({ url: "http://user-service/health", okStatus: [200, 201], latency: { warning: 500 } }),
 *     timing: every("30s"),
 *   });
 * });
 * ```
 */
export function httpGet(options: Omit<HttpSamplerOptions, "method">): HttpSamplerSpec {
  return { plugin: httpPluginId, options: { ...options, method: "GET" } };
}

/**
 * Describes an HTTP POST probe, in a module file. A `body` that is not a string is sent as JSON.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { httpPost } from "@amstaff/sampler-http";
 *
 * export default amstaff("Orders", (m) => {
 *   m.monitor("Order dry-run", {
 *     sampler: httpPost({
 *       url: "https://orders.example.com/dry-run",
 *       headers: { authorization: secret("ORDERS_TOKEN") },
 *       body: { sku: "probe", quantity: 1 },
 *       expect: { json: "accepted", equals: true },
 *     }),
 *     timing: every("5m"),
 *   });
 * });
 * ```
 */
export function httpPost(options: Omit<HttpSamplerOptions, "method">): HttpSamplerSpec {
  return { plugin: httpPluginId, options: { ...options, method: "POST" } };
}
