import type { ServerResponse } from "node:http";
import { Agent, request } from "undici";
import { describe, expect, it } from "vitest";
import { closedPort, reply, startServer } from "./__tests__/testServer.js";
import { probePoolFactory } from "./probePool.js";

const agent = () =>
  new Agent({ keepAliveTimeout: 10_000, headersTimeout: 0, bodyTimeout: 0, factory: probePoolFactory });

async function get(url: string, dispatcher: Agent) {
  const response = await request(url, { dispatcher });
  return { status: response.statusCode, body: await response.body.text() };
}

describe("ProbePool", () => {
  it("runs many requests to one origin at once, one per connection, and reuses them all", async () => {
    // Every answer waits until all 50 requests arrived: they are in flight together.
    const waiting: ServerResponse[] = [];
    await using server = await startServer((_request, response) => {
      waiting.push(response);
      if (waiting.length < 50) return;
      for (const held of waiting.splice(0)) held.end("up");
    });
    const dispatcher = agent();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => get(`${server.origin}/health`, dispatcher)),
    );
    expect(answers.every((a) => a.status === 200 && a.body === "up")).toBe(true);
    expect(server.connections()).toBe(50);

    // The next round finds all 50 free again: no new connection.
    await new Promise((resolve) => setImmediate(resolve));
    const again = await Promise.all(
      Array.from({ length: 50 }, () => get(`${server.origin}/health`, dispatcher)),
    );
    expect(again.every((a) => a.status === 200)).toBe(true);
    expect(server.connections()).toBe(50);

    await dispatcher.close();
  });

  it("reuses one kept-alive connection for probes one after the other", async () => {
    await using server = await startServer(reply(200, "up"));
    const dispatcher = agent();
    for (let i = 0; i < 20; i++) {
      expect(await get(`${server.origin}/health`, dispatcher)).toEqual({ status: 200, body: "up" });
      // undici frees a connection a turn after its answer was read (so does its Pool); probes are seconds apart.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(server.connections()).toBe(1);
    await dispatcher.close();
  });

  it("reports a refused connection", async () => {
    const port = await closedPort();
    const dispatcher = agent();
    await expect(get(`http://127.0.0.1:${port}/`, dispatcher)).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
    await dispatcher.close();
  });

  it("refuses requests once closed", async () => {
    await using server = await startServer(reply(200, "up"));
    const pool = probePoolFactory(server.origin, {});
    expect(await get(`${server.origin}/`, new Agent({ factory: () => pool }))).toEqual({
      status: 200,
      body: "up",
    });
    await pool.close();
    await expect(request(`${server.origin}/`, { dispatcher: pool })).rejects.toThrow(/closed/i);
  });
});
