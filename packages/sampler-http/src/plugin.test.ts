import { parsePluginOptions, resolveSecrets } from "@amstaff/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { reply, startServer } from "./__tests__/testServer.js";
import { http, httpGet, httpPost } from "./builders.js";
import { httpPluginId } from "./options.js";
import { httpPlugin } from "./plugin.js";

describe("builders", () => {
  it("return plain, JSON-cloneable data: the input plus the plugin id", () => {
    const options = {
      url: "https://api.example.com/health",
      headers: { authorization: { $secret: "API_TOKEN" } },
      expect: { json: "checks.db.status", equals: "up" },
      latency: { warning: 500 },
    };
    const get = httpGet(options);
    expect(get).toEqual({ plugin: "@amstaff/sampler-http", options: { ...options, method: "GET" } });
    expect(JSON.parse(JSON.stringify(get))).toEqual(get);
    expect(structuredClone(get)).toEqual(get);

    const post = httpPost({ url: "https://api.example.com/orders", body: { dryRun: true } });
    expect(post).toEqual({
      plugin: httpPluginId,
      options: { url: "https://api.example.com/orders", body: { dryRun: true }, method: "POST" },
    });
    expect(http({ url: "http://x/", method: "HEAD" })).toEqual({
      plugin: httpPluginId,
      options: { url: "http://x/", method: "HEAD" },
    });
  });

  it("neither validate nor resolve: the server does, later", () => {
    expect(httpGet({ url: "not a url", timeout: "30 minutes" as never }).options.url).toBe("not a url");
    expect(
      httpGet({ url: "http://x/", headers: { a: { $secret: "UNSET_SECRET" } } }).options.headers,
    ).toEqual({
      a: { $secret: "UNSET_SECRET" },
    });
  });

  it("do not alias the caller's object", () => {
    const options = { url: "http://x/" };
    http(options).options.url = "http://changed/";
    expect(options.url).toBe("http://x/");
  });
});

describe("httpPlugin", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("is exported from the main entry under the conventional name amstaffPlugin", async () => {
    const entry = await import("./index.js");
    expect(entry.amstaffPlugin).toBe(httpPlugin);
  });

  it("describes the package and offers its builders", () => {
    expect(httpPlugin).toMatchObject({ kind: "sampler", id: httpPluginId, package: "@amstaff/sampler-http" });
    expect(Object.keys(httpPlugin.builders).sort()).toEqual(["http", "httpGet", "httpPost"]);
  });

  it("creates a working sampler from a builder's spec, the way the server does", async () => {
    vi.stubEnv("AMSTAFF_PLUGIN_TEST_TOKEN", "tok");
    await using server = await startServer(reply(200, '{"status":"UP"}'));
    const spec = httpGet({
      url: `${server.origin}/health`,
      headers: { authorization: { $secret: "AMSTAFF_PLUGIN_TEST_TOKEN" } },
      expect: { json: "status", equals: "UP" },
    });
    const options = resolveSecrets(parsePluginOptions(httpPlugin, spec.options));
    const sampler = httpPlugin.create(options, { name: "Health-Check", tags: ["team8"] });
    expect(sampler.name).toBe("Health-Check");
    expect(sampler.tags).toEqual(["team8"]);
    const result = await sampler.probe({ signal: new AbortController().signal });
    expect(result.status).toBe("ok");
    expect(server.requests[0]?.headers.authorization).toBe("tok");
  });

  it("applies the documented defaults", () => {
    expect(parsePluginOptions(httpPlugin, { url: "http://x/" })).toEqual({
      url: "http://x/",
      method: "GET",
      timeout: "10s",
      followRedirects: true,
      maxBodyBytes: 1024 * 1024,
      insecure: false,
    });
  });
});
