import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describeSamplerPlugin } from "@amstaff/core/testing";
import { fixture } from "./__tests__/fixtures.js";
import { reply, startServer } from "./__tests__/testServer.js";
import { graphitePlugin } from "./plugin.js";

describeSamplerPlugin(graphitePlugin, {
  validOptions: [
    { url: "https://graphite.example.com", target: "servers.web*.cpu" },
    {
      url: "http://127.0.0.1:8080/graphite",
      target: "sumSeries(stats.checkout.errors.*)",
      from: "-15min",
      until: "-1min",
      aggregation: "sum",
      warning: 10,
      critical: 50,
      onMissing: "ok",
      headers: { authorization: { $secret: "GRAPHITE_TOKEN" } },
      timeout: "5s",
    },
    { url: "http://graphite", target: "disk.free", direction: "below", warning: 20, critical: 5 },
  ],
  invalidOptions: [
    { options: {}, path: "url" },
    { options: { url: "http://graphite" }, path: "target" },
    { options: { url: "ftp://graphite", target: "a" }, path: "url" },
    { options: { url: "http://graphite", target: "a", aggregation: "median" }, path: "aggregation" },
    { options: { url: "http://graphite", target: "a", warning: 90, critical: 80 }, path: "warning" },
    {
      options: { url: "http://graphite", target: "a", direction: "below", warning: 5, critical: 20 },
      path: "warning",
    },
    { options: { url: "http://graphite", target: "a", onMissing: "pending" }, path: "onMissing" },
    { options: { url: "http://graphite", target: "a", timeout: "30 minutes" }, path: "timeout" },
    {
      options: { url: "http://graphite", target: "a", headers: { "bad header": "x" } },
      path: "headers.bad header",
    },
    { options: { url: "http://graphite", target: "a", query: "a.b" }, message: /query/ },
  ],
  target: async (secret) => {
    const server = await startServer(
      reply(200, fixture("five-series"), { "content-type": "application/json" }),
    );
    return {
      options: {
        url: server.origin,
        target: "servers.web{1,2,3,4,5}.cpu",
        warning: 70,
        critical: 85,
        headers: { authorization: secret },
      },
      expectedStatus: "critical",
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
      options: { url: `http://127.0.0.1:${port}`, target: "a.b", headers: { "x-api-key": secret } },
      cleanup: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  },
});
