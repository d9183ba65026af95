import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { defineSamplerPlugin, type IntegrationHost } from "@amstaff/core";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { mountIntegrations } from "./integrations.js";

// A plugin with no settings (always mounted) and parameterised routes, the way the heartbeat's are.
const thingsPlugin = defineSamplerPlugin({
  kind: "sampler",
  id: "amstaff-sampler-things",
  package: "amstaff-sampler-things",
  description: "test plugin with parameterised routes",
  options: z.object({}),
  builders: {},
  create: () => ({
    name: "things",
    tags: [],
    probe: async () => ({ status: "ok", message: "", durationMs: 0, timestamp: 0 }),
  }),
  integration: {
    path: "things",
    settings: z.object({}),
    routes: () => ({
      routes: [
        ...(["GET", "HEAD"] as const).map((method) => ({
          method,
          path: "/item/:id",
          handle: async (request: { params?: Readonly<Record<string, string>> }) => ({
            status: 200,
            body: `item ${request.params?.id}`,
          }),
        })),
        { method: "GET", path: "/item/special", handle: async () => ({ status: 200, body: "special" }) },
      ],
    }),
  },
});

const host: IntegrationHost = {
  acknowledgeIncident: async () => {},
  logger: { info: () => {}, warn: () => {} },
  now: () => 0,
};
let url = "";
const server = createServer((request, response) => {
  if (!mounted.handle(request, response)) response.writeHead(404).end("fallback");
});
const mounted = mountIntegrations({
  plugins: [thingsPlugin],
  host: () => host,
  shortPaths: { "/i/": "/integrations/things/item/" },
  logger: pino({ level: "silent" }),
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const get = async (path: string, method = "GET") => {
  const response = await fetch(`${url}${path}`, { method });
  return { status: response.status, text: await response.text(), allow: response.headers.get("allow") };
};

describe("mountIntegrations", () => {
  it("mounts an integration without settings, and hands `:name` segments to the route, decoded", async () => {
    expect(mounted.paths).toEqual(["things"]);
    expect(await get("/integrations/things/item/a%20b")).toMatchObject({ status: 200, text: "item a b" });
    expect(await get("/integrations/things/item/special")).toMatchObject({ status: 200, text: "special" });
    expect(await get("/integrations/things/item/")).toMatchObject({ status: 404, text: "fallback" });
  });

  it("serves HEAD, answers 405 with the methods allowed, and serves the short paths", async () => {
    expect(await get("/integrations/things/item/7", "HEAD")).toMatchObject({ status: 200, text: "" });
    expect(await get("/integrations/things/item/7", "PUT")).toMatchObject({
      status: 405,
      allow: "GET, HEAD",
    });
    expect(await get("/i/7?x=1")).toMatchObject({ status: 200, text: "item 7" });
    expect(await get("/item/7")).toMatchObject({ status: 404, text: "fallback" });
  });
});
