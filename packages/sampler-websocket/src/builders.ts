import type { PluginSpec } from "@amstaff/core";
import { type WebsocketSamplerOptions, websocketPluginId } from "./options.js";

/** What the WebSocket builder returns: plain data a module file puts where a sampler goes. */
export type WebsocketSamplerSpec = PluginSpec<typeof websocketPluginId, WebsocketSamplerOptions>;

/**
 * Describes a WebSocket probe in a module file. It only assembles plain data: the server validates the
 * options when the module is pushed and resolves secrets on the node that probes.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { websocket } from "@amstaff/sampler-websocket";
 *
 * export default amstaff("Live prices", (m) => {
 *   m.monitor("Price stream answers", {
 *     sampler: websocket({
 *       url: "wss://stream.example.com/prices",
 *       headers: { authorization: secret("STREAM_TOKEN") },
 *       send: '{"type":"ping"}',
 *       expect: { contains: '"type":"pong"' },
 *       latency: { warning: 500 },
 *     }),
 *     timing: every("1m"),
 *   });
 * });
 * ```
 */
export function websocket(options: WebsocketSamplerOptions): WebsocketSamplerSpec {
  return { plugin: websocketPluginId, options: { ...options } };
}
