import { defineSamplerPlugin } from "@amstaff/core";
import { websocket } from "./builders.js";
import { websocketPluginId, websocketSamplerOptionsSchema } from "./options.js";
import { createWebsocketSampler } from "./websocketSampler.js";

/**
 * The descriptor an Amstaff server discovers: it validates module files' `websocket` specs with
 * {@link websocketSamplerOptionsSchema} and creates samplers from them.
 */
export const websocketPlugin = defineSamplerPlugin({
  kind: "sampler",
  id: websocketPluginId,
  package: websocketPluginId,
  description: "Opens a WebSocket (ws/wss), optionally sends a message and checks the reply and the latency",
  options: websocketSamplerOptionsSchema,
  builders: { websocket },
  create: (options, { name, tags }) => createWebsocketSampler(options, { name, tags }),
});

/**
 * The conventional name under which an Amstaff server looks for a package's plugin descriptor(s):
 * the same object as {@link websocketPlugin}.
 */
export const amstaffPlugin = websocketPlugin;
