import { createServer, type Socket } from "node:net";
import { describeSamplerPlugin } from "@amstaff/core/testing";
import { mariadbUrl, postgresAdmin, postgresUrl } from "./__tests__/databases.js";
import { sqlPlugin } from "./plugin.js";

describeSamplerPlugin(sqlPlugin, {
  validOptions: [
    { url: postgresUrl, query: "SELECT 1" },
    {
      url: { $secret: "ORDERS_DB_URL" },
      password: { $secret: "ORDERS_DB_PASSWORD" },
      query: "SELECT count(*) FROM orders",
      warning: 10,
      critical: 100,
      rows: { min: 1 },
      equals: 3,
      timeout: "2s",
      poolSize: 2,
      idleTimeout: "1m",
    },
    { url: "sqlite:///var/lib/app.db", query: "SELECT 1", direction: "below", warning: 5, critical: 1 },
  ],
  invalidOptions: [
    { options: { url: "redis://x", query: "SELECT 1" }, path: "url" },
    { options: { url: postgresUrl, query: "" }, path: "query" },
    { options: { url: postgresUrl, query: "SELECT 1", warning: 10, critical: 1 }, path: "warning" },
    { options: { url: postgresUrl, query: "SELECT 1", rows: { min: 2, max: 1 } }, path: "rows" },
    { options: { url: postgresUrl, query: "SELECT 1", timeout: "10 seconds" }, path: "timeout" },
    {
      options: { url: postgresUrl, query: "SELECT 1", password: { $secret: "not a name" } },
      path: "password",
    },
  ],
  builderArguments: {
    sql: [{ url: postgresUrl, query: "SELECT 1" }],
    postgres: [postgresUrl, { query: "SELECT 1" }],
    mysql: [mariadbUrl, { query: "SELECT 1" }],
    sqlite: ["/var/lib/app.db", { query: "SELECT 1" }],
  },
  target: async (secret) => {
    // Fails with the command that starts PostgreSQL when it is not running.
    await (await postgresAdmin()).end();
    // The local cluster trusts 127.0.0.1, so any password is accepted: the secret is resolved and sent.
    return { options: { url: postgresUrl, password: secret, query: "SELECT 41 + 1", equals: 42 } };
  },
  hangingTarget: async (secret) => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    return {
      options: {
        url: `postgres://postgres@127.0.0.1:${port}/test`,
        password: secret,
        query: "SELECT 1",
        timeout: "1s",
      },
      cleanup: async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  },
});
