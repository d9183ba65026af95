import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limitBody } from "./body.js";

const limitBytes = 4 * 1024 * 1024;

describe("limitBody, on a real HTTP server", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const app = new Hono();
    app.onError((error, c) => c.json({ error: error.message }, 413));
    app.post(
      "/",
      limitBody(limitBytes, () => new Error("too large")),
      async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength }),
    );
    server = createServer(getRequestListener(app.fetch));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("passes a body within the limit to the handler", async () => {
    const answer = await fetch(url, { method: "POST", body: new Uint8Array(limitBytes) });
    expect(await answer.json()).toEqual({ bytes: limitBytes });
  });

  // Bigger than loopback's socket buffers: a server that closed without reading would break the client's pipe.
  it("answers 413 to a declared body over the limit, reading the rest so the client gets the answer", async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await fetch(url, { method: "POST", body: new Uint8Array(limitBytes * 2 - 1) });
      expect(answer.status).toBe(413);
      expect(await answer.json()).toEqual({ error: "too large" });
      expect(answer.headers.get("connection")).not.toBe("close");
    }
  });

  it("answers 413 to a streamed body over the limit", async () => {
    const chunk = new Uint8Array(256 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= limitBytes + chunk.byteLength) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const answer = await fetch(url, { method: "POST", body, duplex: "half" } as RequestInit);
    expect(answer.status).toBe(413);
  });
});
