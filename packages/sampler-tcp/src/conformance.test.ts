import { closedPort, describeSamplerPlugin, startSilentServer } from "@amstaff/core/testing";
import { startTcpServer } from "./__tests__/servers.js";
import { tcpPlugin } from "./plugin.js";

describeSamplerPlugin(tcpPlugin, {
  validOptions: [
    { host: "db.internal", port: 5432 },
    {
      host: "127.0.0.1",
      port: 6379,
      timeout: "2s",
      send: { $secret: "REDIS_AUTH" },
      expect: { matches: "^\\+OK", flags: "m" },
      maxReplyBytes: 512,
      latency: { warning: 100, critical: 500 },
    },
    {
      host: "mail.example.com",
      port: 993,
      tls: { servername: "imap.example.com", certificate: { warningDays: 21 } },
    },
  ],
  invalidOptions: [
    { options: { host: "db.internal" }, path: "port" },
    { options: { host: "db.internal", port: 70000 }, path: "port", message: /1 to 65535/ },
    { options: { host: "", port: 80 }, path: "host" },
    { options: { host: "x", port: 80, timeout: "5 seconds" }, path: "timeout" },
    {
      options: { host: "x", port: 80, expect: { matches: "(a)\\1" } },
      path: "expect.matches",
      message: /RE2/,
    },
    { options: { host: "x", port: 80, expect: { startsWith: "220" } }, path: "expect" },
    { options: { host: "x", port: 80, latency: { warning: 900, critical: 100 } }, path: "latency" },
    { options: { host: "x", port: 80, tls: { ca: "not a pem" } }, path: "tls.ca" },
    {
      options: { host: "x", port: 80, tls: { certificate: { warningDays: 3, criticalDays: 7 } } },
      path: "tls.certificate",
    },
    { options: { host: "x", port: 80, maxReplyBytes: 1_000_000 }, path: "maxReplyBytes" },
    { options: { host: "x", port: 80, retries: 3 }, message: /retries/ },
  ],
  target: async (secret) => {
    const received: string[] = [];
    const server = await startTcpServer((socket) => {
      socket.on("data", (data) => {
        received.push(data.toString());
        socket.write("+OK\r\n");
      });
    });
    return {
      options: { host: "127.0.0.1", port: server.port, send: secret, expect: { equals: "+OK" } },
      sawSecret: (value) => received.some((text) => text === value),
      cleanup: () => server[Symbol.asyncDispose](),
    };
  },
  hangingTarget: async (secret) => {
    const silent = await startSilentServer();
    return {
      options: { host: "127.0.0.1", port: silent.port, send: secret, expect: { contains: "never" } },
      cleanup: () => silent.close(),
    };
  },
});

describeSamplerPlugin(tcpPlugin, {
  validOptions: [{ host: "127.0.0.1", port: 1 }],
  invalidOptions: [],
  target: async () => ({
    options: { host: "127.0.0.1", port: await closedPort() },
    expectedStatus: "critical",
  }),
});
