import { parsePluginOptions, resolveSecrets } from "@amstaff/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fixture } from "./__tests__/fixtures.js";
import { reply, startServer } from "./__tests__/testServer.js";
import { graphite } from "./builders.js";
import { amstaffPlugin, graphitePlugin } from "./plugin.js";

describe("graphite()", () => {
  it("returns plain, JSON-cloneable data: the options plus the plugin id", () => {
    const options = {
      url: "https://graphite.example.com",
      target: "servers.web*.cpu",
      warning: 70,
      critical: 85,
      headers: { authorization: { $secret: "GRAPHITE_TOKEN" } },
    };
    const spec = graphite(options);
    expect(spec).toEqual({ plugin: "@amstaff/sampler-graphite", options });
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
    expect(structuredClone(spec)).toEqual(spec);
  });

  it("neither validates nor resolves, and does not alias the caller's object", () => {
    const options = { url: "not a url", target: "a.b", headers: { a: { $secret: "UNSET_SECRET" } } };
    const spec = graphite(options);
    expect(spec.options.url).toBe("not a url");
    spec.options.target = "changed";
    expect(options.target).toBe("a.b");
  });
});

describe("graphitePlugin", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("describes the package, offers its builder, and is the package's amstaffPlugin", () => {
    expect(graphitePlugin).toMatchObject({
      kind: "sampler",
      id: "@amstaff/sampler-graphite",
      package: "@amstaff/sampler-graphite",
    });
    expect(Object.keys(graphitePlugin.builders)).toEqual(["graphite"]);
    expect(amstaffPlugin).toBe(graphitePlugin);
  });

  it("applies the documented defaults", () => {
    expect(parsePluginOptions(graphitePlugin, { url: "http://graphite", target: "a.b" })).toEqual({
      url: "http://graphite",
      target: "a.b",
      from: "-5min",
      until: "now",
      aggregation: "avg",
      direction: "above",
      onMissing: "unknown",
      timeout: "10s",
    });
  });

  it("rejects invalid options, naming each", () => {
    const invalid = (options: unknown) => () => parsePluginOptions(graphitePlugin, options);
    expect(invalid({ url: "http://graphite/?x=1", target: "a" })).toThrow(
      /url: the base URL of graphite-web/,
    );
    expect(invalid({ url: "http://graphite", target: "  " })).toThrow(/target: a Graphite target/);
    expect(invalid({ url: "http://graphite", target: "a", aggregation: "median" })).toThrow(/aggregation/);
    expect(invalid({ url: "http://graphite", target: "a", onMissing: "pending" })).toThrow(/onMissing/);
    expect(invalid({ url: "http://graphite", target: "a", timeout: "10 seconds" })).toThrow(
      /timeout: a duration/,
    );
    expect(invalid({ url: "http://graphite", target: "a", headers: { "bad header": "x" } })).toThrow(
      /headers\.bad header/,
    );
    expect(invalid({ url: "http://graphite", target: "a", query: "a" })).toThrow(/query/);
    expect(invalid({ url: "http://graphite", target: "a", warning: 85, critical: 70 })).toThrow(
      /warning: must be lower than critical when direction is "above"/,
    );
    expect(
      invalid({ url: "http://graphite", target: "a", direction: "below", warning: 5, critical: 10 }),
    ).toThrow(/warning: must be higher than critical when direction is "below"/);
    expect(() =>
      parsePluginOptions(graphitePlugin, {
        url: "http://g",
        target: "a",
        direction: "below",
        warning: 10,
        critical: 5,
      }),
    ).not.toThrow();
  });

  it("creates a working sampler from a builder's spec, the way the server does", async () => {
    vi.stubEnv("AMSTAFF_PLUGIN_TEST_GRAPHITE_TOKEN", "tok");
    await using server = await startServer(
      reply(200, fixture("five-series"), { "content-type": "application/json" }),
    );
    const spec = graphite({
      url: server.origin,
      target: "servers.web{1,2,3,4,5}.cpu",
      warning: 70,
      critical: 85,
      headers: { authorization: { $secret: "AMSTAFF_PLUGIN_TEST_GRAPHITE_TOKEN" } },
    });
    const options = resolveSecrets(parsePluginOptions(graphitePlugin, spec.options));
    const sampler = graphitePlugin.create(options, { name: "CPU", tags: ["web"] });
    expect(sampler.name).toBe("CPU");
    expect(sampler.tags).toEqual(["web"]);
    const result = await sampler.probe({ signal: new AbortController().signal });
    expect(result.status).toBe("critical");
    expect(server.requests[0]?.headers.authorization).toBe("tok");
  });
});
