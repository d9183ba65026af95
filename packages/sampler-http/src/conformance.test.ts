import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describeSamplerPlugin } from "@amstaff/core/testing";
import { reply, startServer } from "./__tests__/testServer.js";
import { httpPlugin } from "./plugin.js";

describeSamplerPlugin(httpPlugin, {
  validOptions: [
    { url: "https://api.example.com/health" },
    {
      url: "http://127.0.0.1:8080/orders",
      method: "POST",
      headers: { authorization: { $secret: "ORDERS_TOKEN" } },
      body: { dryRun: true },
      okStatus: [200, 201],
      latency: { warning: 500, critical: 2000 },
      expect: { json: "accepted", equals: true },
      timeout: "5s",
      followRedirects: false,
      maxBodyBytes: 4096,
    },
  ],
  invalidOptions: [
    { options: {}, path: "url" },
    { options: { url: "ftp://files.example.com/" }, path: "url" },
    { options: { url: "http://x/", timeout: "30 minutes" }, path: "timeout" },
    { options: { url: "http://x/", latency: { warning: 900, critical: 100 } }, path: "latency" },
    { options: { url: "http://x/", body: "hello" }, path: "body" },
    { options: { url: "http://x/", headers: { "bad header": "x" } }, path: "headers.bad header" },
    { options: { url: "http://x/", headers: { authorization: { $secret: "not a name" } } }, path: "headers" },
    { options: { url: "http://x/", expect: { matches: "(" } }, path: "expect.matches" },
    { options: { url: "http://x/", retries: 3 }, message: /retries/ },
  ],
  builderArguments: {
    http: [{ url: "http://127.0.0.1:8080/health", method: "HEAD" }],
    httpGet: [{ url: "http://127.0.0.1:8080/health" }],
    httpPost: [{ url: "http://127.0.0.1:8080/orders", body: { dryRun: true } }],
  },
  target: async (secret) => {
    const server = await startServer(reply(200, '{"status":"UP"}'));
    return {
      options: {
        url: `${server.origin}/health`,
        headers: { authorization: secret },
        expect: { json: "status", equals: "UP" },
      },
      sawSecret: (value) => server.requests.some((request) => request.headers.authorization === value),
      cleanup: () => server[Symbol.asyncDispose](),
    };
  },
  hangingTarget: async (secret) => {
    // Accepts the request and never answers: only the probe's signal can end it.
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
      options: { url: `http://127.0.0.1:${port}/slow`, headers: { "x-api-key": secret } },
      cleanup: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  },
});
