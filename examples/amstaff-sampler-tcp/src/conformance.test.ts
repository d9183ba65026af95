import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { describeSamplerPlugin } from "@amstaff/core/testing";
import { tcpPlugin } from "./plugin.js";

async function listen() {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(r)) };
}

describeSamplerPlugin(tcpPlugin, {
  validOptions: [
    { host: "db.internal", port: 5432 },
    { host: "127.0.0.1", port: 6379, timeoutMs: 500 },
  ],
  invalidOptions: [
    { options: { host: "db.internal" }, path: "port" },
    { options: { host: "db.internal", port: 70000 }, path: "port", message: /1 to 65535/ },
    { options: { host: "", port: 80 }, path: "host" },
  ],
  target: async () => {
    const server = await listen();
    return { options: { host: "127.0.0.1", port: server.port }, cleanup: server.close };
  },
});

describeSamplerPlugin(tcpPlugin, {
  validOptions: [{ host: "127.0.0.1", port: 1 }],
  invalidOptions: [],
  // A port that was just free: the connection is refused, and the result says so.
  target: async () => {
    const server = await listen();
    await server.close();
    return { options: { host: "127.0.0.1", port: server.port }, expectedStatus: "critical" };
  },
});
