import { describeSamplerPlugin, startSilentServer } from "@amstaff/core/testing";
import { startWsServer } from "./__tests__/servers.js";
import { websocketPlugin } from "./plugin.js";

describeSamplerPlugin(websocketPlugin, {
  validOptions: [
    { url: "wss://stream.example.com/live" },
    {
      url: "ws://127.0.0.1:8080/socket",
      headers: { authorization: { $secret: "STREAM_TOKEN" }, "x-team": "payments" },
      subprotocols: ["graphql-transport-ws"],
      send: '{"type":"ping"}',
      expect: { matches: '"type":\\s*"pong"', flags: "i" },
      maxMessageBytes: 4096,
      timeout: "5s",
      latency: { warning: 200, critical: 1000 },
    },
    { url: "wss://127.0.0.1:8443/", insecure: true, expect: { equals: "" } },
  ],
  invalidOptions: [
    { options: {}, path: "url" },
    { options: { url: "https://example.com/" }, path: "url", message: /ws:\/\/ or wss:\/\// },
    { options: { url: "ws://x/", headers: { "bad header": "x" } }, path: "headers.bad header" },
    { options: { url: "ws://x/", headers: { "Sec-WebSocket-Key": "x" } }, path: "headers.Sec-WebSocket-Key" },
    { options: { url: "ws://x/", subprotocols: ["two words"] }, path: "subprotocols.0" },
    { options: { url: "ws://x/", send: "" }, path: "send" },
    { options: { url: "ws://x/", expect: { matches: "(a)\\1" } }, path: "expect.matches", message: /RE2/ },
    { options: { url: "ws://x/", expect: { startsWith: "x" } }, path: "expect" },
    { options: { url: "ws://x/", ca: "-----BEGIN CERTIFICATE-----" }, path: "ca", message: /wss:\/\// },
    { options: { url: "wss://x/", ca: "-----BEGIN CERTIFICATE-----", insecure: true }, path: "ca" },
    { options: { url: "ws://x/", maxMessageBytes: 10_000_000 }, path: "maxMessageBytes" },
    { options: { url: "ws://x/", timeout: "10 seconds" }, path: "timeout" },
    { options: { url: "ws://x/", latency: { warning: 900, critical: 100 } }, path: "latency" },
    { options: { url: "ws://x/", retries: 3 }, message: /retries/ },
  ],
  target: async (secret) => {
    const server = await startWsServer((socket) => socket.on("message", () => socket.send("pong")));
    return {
      options: {
        url: `${server.origin}/live`,
        headers: { authorization: secret },
        send: "ping",
        expect: { equals: "pong" },
      },
      sawSecret: (value) => server.handshakes.some((request) => request.headers.authorization === value),
      cleanup: () => server[Symbol.asyncDispose](),
    };
  },
  hangingTarget: async (secret) => {
    // Accepts the TCP connection and never answers the handshake: only the probe's signal can end it.
    const silent = await startSilentServer();
    return {
      options: { url: `ws://127.0.0.1:${silent.port}/`, headers: { authorization: secret }, timeout: "30s" },
      cleanup: () => silent.close(),
    };
  },
});
