import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Resolved } from "@amstaff/core";
import { describeHandlerPlugin } from "@amstaff/core/testing";
import { expect, it } from "vitest";
import type { ParsedNtfyOptions } from "./options.js";
import { ntfyPlugin } from "./plugin.js";

interface Published {
  topic: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A loopback ntfy server: answers like ntfy.sh does (its JSON message, its JSON errors). */
async function startNtfy(answer?: (response: ServerResponse) => void) {
  const published: Published[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    request.on("end", () => {
      if (answer) return answer(response);
      const topic = (request.url ?? "/").slice(1);
      published.push({ topic, headers: request.headers, body });
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          id: `msg${published.length}`,
          time: 1795482400,
          event: "message",
          topic,
          message: body,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    published,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describeHandlerPlugin(ntfyPlugin, {
  validOptions: [
    { topic: "payments-alerts" },
    { topic: "ops_1", server: "http://127.0.0.1:8080", token: { $secret: "NTFY_TOKEN" }, timeout: "5s" },
  ],
  invalidOptions: [
    { options: {}, path: "topic" },
    { options: { topic: "no spaces" }, path: "topic", message: /topic name/ },
    { options: { topic: "ops", server: "ftp://ntfy.example.com" }, path: "server" },
    { options: { topic: "ops", timeout: "soon" }, path: "timeout" },
    { options: { topic: "ops", priority: 5 }, path: "" },
  ],
  target: async (secret) => {
    const ntfy = await startNtfy();
    return {
      options: { topic: "ops", server: ntfy.server, token: secret },
      received: () => ntfy.published.length,
      sawSecret: (value) => ntfy.published.some((p) => p.headers.authorization === `Bearer ${value}`),
      cleanup: ntfy.close,
    };
  },
  failingTarget: async (secret) => {
    const ntfy = await startNtfy((response) =>
      response
        .writeHead(403, { "content-type": "application/json" })
        .end('{"code":40301,"http":403,"error":"forbidden"}'),
    );
    return { options: { topic: "ops", server: ntfy.server, token: secret }, cleanup: ntfy.close };
  },
  hangingTarget: async (secret) => {
    const ntfy = await startNtfy(() => {});
    return { options: { topic: "ops", server: ntfy.server, token: secret }, cleanup: ntfy.close };
  },
});

it("publishes the monitor, its new status and the message, and keeps ntfy's id as the receipt", async () => {
  const ntfy = await startNtfy();
  try {
    const handler = ntfyPlugin.create(
      // No secret in these options: the parsed options are already resolved.
      ntfyPlugin.options.parse({ topic: "ops", server: ntfy.server }) as Resolved<ParsedNtfyOptions>,
    );
    const receipt = await handler.notify(
      {
        id: "tr-1",
        module: "Checkout",
        monitor: "API",
        tags: [],
        from: "ok",
        to: "critical",
        since: 1795482400000,
        previousSince: 1795482300000,
        result: {
          status: "critical",
          message: "HTTP 500 from GET /health",
          durationMs: 12,
          timestamp: 1795482400000,
        },
      },
      { signal: AbortSignal.timeout(10_000), idempotencyKey: "tr-1", attempt: 1 },
    );
    expect(receipt).toEqual({ id: "msg1" });
    expect(ntfy.published[0]).toMatchObject({
      topic: "ops",
      body: "HTTP 500 from GET /health",
      headers: { title: "Checkout / API: CRITICAL", priority: "urgent", tags: "rotating_light" },
    });
  } finally {
    await ntfy.close();
  }
});

it("exports its descriptor from the main entry under the conventional name amstaffPlugin", async () => {
  const entry = await import("./index.js");
  expect(entry.amstaffPlugin).toBe(ntfyPlugin);
});
