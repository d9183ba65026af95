import { closedPort, startSilentServer } from "@amstaff/core/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { selfSignedCertificate, startWsServer } from "./__tests__/servers.js";
import { websocketSampler } from "./websocketSampler.js";

afterEach(() => vi.unstubAllEnvs());

/** A server that answers "ping" with "pong", and anything else with "what?". */
const pingPong = (socket: import("ws").WebSocket) =>
  socket.on("message", (data) => socket.send(data.toString() === "ping" ? "pong" : "what?"));

describe("connect", () => {
  it("is ok once the handshake completes, with the time it took as value", async () => {
    await using server = await startWsServer(() => {});
    const result = await websocketSampler({ url: `${server.origin}/live` }).probe();
    expect(result.status).toBe("ok");
    expect(result.message).toMatch(new RegExp(`^${server.origin}/live opened in \\d+ ms$`));
    expect(result.details).toMatchObject({ url: `${server.origin}/live`, openMs: expect.any(Number) });
    expect(result.value).toBeTypeOf("number");
  });

  it("sends handshake headers, secrets resolved, and offers subprotocols", async () => {
    vi.stubEnv("AMSTAFF_TEST_WS_TOKEN", "Bearer s3cret");
    await using server = await startWsServer(() => {}, {
      authorization: "Bearer s3cret",
      subprotocols: ["graphql-transport-ws"],
    });
    const result = await websocketSampler({
      url: server.origin,
      headers: { authorization: { $secret: "AMSTAFF_TEST_WS_TOKEN" } },
      subprotocols: ["graphql-transport-ws"],
    }).probe();
    expect(result.status).toBe("ok");
    expect(result.details).toMatchObject({ subprotocol: "graphql-transport-ws" });
    expect(server.handshakes[0]?.headers["user-agent"]).toBe("amstaff-sampler-websocket");
    expect(JSON.stringify(result)).not.toContain("s3cret");
  });

  it("is critical with the HTTP status when the server refuses the upgrade", async () => {
    await using server = await startWsServer(() => {}, { authorization: "Bearer right" });
    const result = await websocketSampler({
      url: server.origin,
      headers: { authorization: "Bearer wrong" },
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`HTTP 401 from ${server.origin}/ instead of a WebSocket upgrade`);
  });

  it("is critical when the connection is refused", async () => {
    const port = await closedPort();
    const result = await websocketSampler({ url: `ws://127.0.0.1:${port}/` }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`connection refused to 127.0.0.1:${port}`);
  });

  it("is critical when the handshake gets no answer before the timeout", async () => {
    const silent = await startSilentServer();
    try {
      const result = await websocketSampler({
        url: `ws://127.0.0.1:${silent.port}/`,
        timeout: "200ms",
      }).probe();
      expect(result.status).toBe("critical");
      expect(result.message).toBe(`no WebSocket connection to ws://127.0.0.1:${silent.port}/ within 200 ms`);
    } finally {
      await silent.close();
    }
  });
});

describe("message and reply", () => {
  it("sends a message and checks the reply with equals, contains or matches", async () => {
    await using server = await startWsServer(pingPong);
    const base = { url: server.origin, send: "ping" };
    const equals = await websocketSampler({ ...base, expect: { equals: "pong" } }).probe();
    expect(equals.status).toBe("ok");
    expect(equals.message).toMatch(/ replied in \d+ ms$/);
    expect(equals.details).toMatchObject({ messages: 1 });
    expect((await websocketSampler({ ...base, expect: { contains: "on" } }).probe()).status).toBe("ok");
    expect((await websocketSampler({ ...base, expect: { matches: "^PO", flags: "i" } }).probe()).status).toBe(
      "ok",
    );
    expect(server.received).toEqual(["ping", "ping", "ping"]);
  });

  it("waits past other messages, like a welcome, for the expected one", async () => {
    await using server = await startWsServer((socket) => {
      socket.send('{"type":"welcome"}');
      setTimeout(() => socket.send('{"type":"ready"}'), 20);
    });
    const result = await websocketSampler({ url: server.origin, expect: { contains: '"ready"' } }).probe();
    expect(result.status).toBe("ok");
    expect(result.details).toMatchObject({ messages: 2 });
  });

  it("is critical when no message meets the expectation before the timeout, showing the last one", async () => {
    await using server = await startWsServer(pingPong);
    const result = await websocketSampler({
      url: server.origin,
      send: "hello",
      expect: { equals: "pong" },
      timeout: "300ms",
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(
      `no message equal to "pong" from ${server.origin}/ within 300 ms (last message "what?")`,
    );
  });

  it("is critical when the server closes before the expected message, with its close code", async () => {
    await using server = await startWsServer((socket) => socket.close(1011, "backend down"));
    const result = await websocketSampler({ url: server.origin, expect: { contains: "ok" } }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(
      `${server.origin}/ closed the connection (1011 backend down) before a message containing "ok" (no message)`,
    );
  });

  it("is critical on a message larger than maxMessageBytes", async () => {
    await using server = await startWsServer((socket) => socket.send("x".repeat(2000)));
    const result = await websocketSampler({
      url: server.origin,
      expect: { contains: "y" },
      maxMessageBytes: 1000,
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`${server.origin}/ sent a message larger than maxMessageBytes (1000 bytes)`);
  });

  it("is unknown when the caller aborts", async () => {
    await using server = await startWsServer(() => {});
    const controller = new AbortController();
    const pending = websocketSampler({ url: server.origin, expect: { contains: "never" } }).probe({
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const result = await pending;
    expect(result.status).toBe("unknown");
    expect(result.message).toBe(`probe of ${server.origin}/ aborted`);
  });
});

describe("latency", () => {
  it("is warning when the reply takes as long as the warning threshold", async () => {
    await using server = await startWsServer((socket) => setTimeout(() => socket.send("ready"), 120));
    const result = await websocketSampler({
      url: server.origin,
      expect: { equals: "ready" },
      latency: { warning: 50, critical: 5000 },
    }).probe();
    expect(result.status).toBe("warning");
    expect(result.message).toMatch(/ replied in \d+ ms, reaching the warning threshold of 50 ms$/);
  });
});

describe("wss", () => {
  it("verifies a self-signed certificate given as ca", async () => {
    const certificate = await selfSignedCertificate();
    await using server = await startWsServer(pingPong, { tls: certificate });
    const result = await websocketSampler({
      url: server.origin,
      ca: certificate.cert,
      send: "ping",
      expect: { equals: "pong" },
    }).probe();
    expect(server.origin).toMatch(/^wss:/);
    expect(result.status).toBe("ok");
  });

  it("is critical when the certificate is not trusted, saying how to trust it", async () => {
    await using server = await startWsServer(() => {}, { tls: await selfSignedCertificate() });
    const result = await websocketSampler({ url: server.origin }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toMatch(
      /^TLS certificate of 127\.0\.0\.1:\d+ is not trusted: .*; give the CA that signed it as `ca`$/,
    );
  });

  it("with insecure, accepts it", async () => {
    await using server = await startWsServer(() => {}, { tls: await selfSignedCertificate() });
    expect((await websocketSampler({ url: server.origin, insecure: true }).probe()).status).toBe("ok");
  });
});
