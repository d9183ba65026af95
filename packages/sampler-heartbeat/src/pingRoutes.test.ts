import type { HeartbeatPing, InboundMethod, IntegrationHost } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { parseSignal, pingMessage, pingRoutes } from "./pingRoutes.js";

const knownId = "AAAAAAAAAAAAAAAAAAAAAA";

function fakeHost(received: { id: string; ping: HeartbeatPing }[]): IntegrationHost {
  return {
    acknowledgeIncident: async () => {},
    logger: { info: () => {}, warn: () => {} },
    now: () => 0,
    heartbeats: {
      record: async (id, ping) => {
        if (id !== knownId) return "unknown";
        received.push({ id, ping });
        return "recorded";
      },
    },
  };
}

async function call(host: IntegrationHost, method: InboundMethod, path: string, body = "") {
  const params = /^\/ping\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  const route = pingRoutes(host).find(
    (r) => r.method === method && r.path === (params?.[2] ? "/ping/:id/:signal" : "/ping/:id"),
  );
  if (!route) throw new Error(`no route for ${method} ${path}`);
  return route.handle({
    method,
    path: `/integrations/heartbeat${path}`,
    query: new URLSearchParams(),
    params: { id: params?.[1] ?? "", ...(params?.[2] ? { signal: params[2] } : {}) },
    headers: {},
    body: new TextEncoder().encode(body),
  });
}

describe("the ping routes", () => {
  it("record success, start, fail and exit codes, by GET, HEAD or POST", async () => {
    const received: { id: string; ping: HeartbeatPing }[] = [];
    const host = fakeHost(received);
    expect((await call(host, "GET", `/ping/${knownId}`)).status).toBe(200);
    expect((await call(host, "HEAD", `/ping/${knownId}/start`)).status).toBe(200);
    expect((await call(host, "POST", `/ping/${knownId}/fail`, "disk full\n")).status).toBe(200);
    expect((await call(host, "POST", `/ping/${knownId}/0`)).status).toBe(200);
    expect((await call(host, "GET", `/ping/${knownId}/2`)).status).toBe(200);
    expect(received.map((r) => r.ping)).toEqual([
      { kind: "success" },
      { kind: "start" },
      { kind: "fail", message: "disk full" },
      { kind: "success", exitCode: 0 },
      { kind: "fail", exitCode: 2 },
    ]);
  });

  it("answer 404 for an unknown id, a malformed one, or an unknown signal, recording nothing", async () => {
    const received: { id: string; ping: HeartbeatPing }[] = [];
    const host = fakeHost(received);
    expect((await call(host, "GET", "/ping/BBBBBBBBBBBBBBBBBBBBBB")).status).toBe(404);
    expect((await call(host, "GET", "/ping/short")).status).toBe(404);
    expect((await call(host, "GET", `/ping/${knownId}/256`)).status).toBe(404);
    expect((await call(host, "GET", `/ping/${knownId}/restart`)).status).toBe(404);
    expect(received).toEqual([]);
  });

  it("answer 503 when the log refuses the ping, and when the host records no pings", async () => {
    const host = fakeHost([]);
    const refusing: IntegrationHost = {
      ...host,
      heartbeats: {
        record: async () => {
          throw new Error("no leader");
        },
      },
    };
    expect((await call(refusing, "GET", `/ping/${knownId}`)).status).toBe(503);
    expect((await call({ ...host, heartbeats: undefined }, "GET", `/ping/${knownId}`)).status).toBe(503);
  });
});

describe("parseSignal and pingMessage", () => {
  it("read exit codes 0 to 255", () => {
    expect(parseSignal("0")).toEqual({ kind: "success", exitCode: 0 });
    expect(parseSignal("255")).toEqual({ kind: "fail", exitCode: 255 });
    expect(parseSignal("-1")).toBeUndefined();
  });

  it("cut a long body to 1 KiB without splitting a character", () => {
    const body = new TextEncoder().encode(`${"a".repeat(1023)}é and more`);
    expect(pingMessage(body)).toBe("a".repeat(1023));
    expect(pingMessage(new Uint8Array())).toBeUndefined();
  });
});
