import { closedPort, describeSamplerPlugin, startSilentServer } from "@amstaff/core/testing";
import { startHealthServer } from "./__tests__/healthServer.js";
import { grpcPlugin } from "./plugin.js";

describeSamplerPlugin(grpcPlugin, {
  validOptions: [
    { host: "orders.internal", port: 50051 },
    {
      host: "127.0.0.1",
      port: 443,
      service: "orders.v1.Orders",
      timeout: "2s",
      metadata: { authorization: { $secret: "HEALTH_TOKEN" }, "x-team": "orders" },
      tls: { servername: "orders.example.com", ca: { $secret: "INTERNAL_CA" } },
      onUnknown: "warning",
      onServiceUnknown: "ok",
      latency: { warning: 100, critical: 500 },
    },
    { host: "::1", port: 50051, tls: { insecure: true } },
  ],
  invalidOptions: [
    { options: { host: "orders.internal" }, path: "port" },
    { options: { host: "orders.internal", port: 70000 }, path: "port", message: /1 to 65535/ },
    { options: { host: "", port: 50051 }, path: "host" },
    { options: { host: "x", port: 1, timeout: "5 seconds" }, path: "timeout" },
    {
      options: { host: "x", port: 1, metadata: { Authorization: "x" } },
      path: "metadata.Authorization",
      message: /lower-case/,
    },
    {
      options: { host: "x", port: 1, metadata: { "grpc-timeout": "1S" } },
      path: "metadata.grpc-timeout",
      message: /reserved/,
    },
    {
      options: { host: "x", port: 1, metadata: { "trace-bin": "x" } },
      path: "metadata.trace-bin",
      message: /binary/,
    },
    { options: { host: "x", port: 1, metadata: { authorization: 42 } }, path: "metadata.authorization" },
    { options: { host: "x", port: 1, onUnknown: "fine" }, path: "onUnknown" },
    { options: { host: "x", port: 1, latency: { warning: 900, critical: 100 } }, path: "latency" },
    { options: { host: "x", port: 1, tls: { ca: "not a pem" } }, path: "tls.ca" },
    { options: { host: "x", port: 1, tls: { insecure: true, ca: { $secret: "CA" } } }, path: "tls.ca" },
    { options: { host: "x", port: 1, deadline: "5s" }, message: /deadline/ },
  ],
  target: async (secret) => {
    const server = await startHealthServer({ statuses: { "orders.v1.Orders": "SERVING" } });
    return {
      options: {
        host: "127.0.0.1",
        port: server.port,
        service: "orders.v1.Orders",
        metadata: { authorization: secret },
      },
      sawSecret: (value) => server.received.some((metadata) => metadata.get("authorization")[0] === value),
      cleanup: () => server[Symbol.asyncDispose](),
    };
  },
  hangingTarget: async (secret) => {
    const silent = await startSilentServer();
    return {
      options: { host: "127.0.0.1", port: silent.port, metadata: { authorization: secret } },
      cleanup: () => silent.close(),
    };
  },
});

describeSamplerPlugin(grpcPlugin, {
  validOptions: [{ host: "127.0.0.1", port: 1 }],
  invalidOptions: [],
  target: async () => ({
    options: { host: "127.0.0.1", port: await closedPort() },
    expectedStatus: "critical",
  }),
});
