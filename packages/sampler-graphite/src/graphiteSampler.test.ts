import { AmstaffError } from "@amstaff/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fixture } from "./__tests__/fixtures.js";
import { closedPort, reply, startServer } from "./__tests__/testServer.js";
import { graphiteSampler } from "./graphiteSampler.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

const json = { "content-type": "application/json" };

describe("the render request", () => {
  it("asks <url>/render for the target over the window, as JSON", async () => {
    await using server = await startServer(reply(200, fixture("single-series"), json));
    await graphiteSampler({ url: server.origin, target: "servers.web1.cpu" }).probe();
    const received = server.requests[0];
    expect(received?.method).toBe("GET");
    const url = new URL(received?.url ?? "", server.origin);
    expect(url.pathname).toBe("/render");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      target: "servers.web1.cpu",
      from: "-5min",
      until: "now",
      format: "json",
    });
    expect(received?.headers.accept).toBe("application/json");
    expect(received?.headers["user-agent"]).toBe("amstaff-sampler-graphite");
  });

  it("keeps the URL's path prefix and encodes targets with functions, quotes and braces", async () => {
    await using server = await startServer(reply(200, "[]", json));
    const target = "aliasByNode(sumSeries(servers.{web1,web2}.cpu), 1) & 'x'";
    await graphiteSampler({
      url: `${server.origin}/graphite`,
      target,
      from: "-1h",
      until: "-10min",
    }).probe();
    const url = new URL(server.requests[0]?.url ?? "", server.origin);
    expect(url.pathname).toBe("/graphite/render");
    expect(url.searchParams.get("target")).toBe(target);
    expect(url.searchParams.get("from")).toBe("-1h");
    expect(url.searchParams.get("until")).toBe("-10min");
  });

  it("sends headers, resolving secret references from the environment", async () => {
    vi.stubEnv("AMSTAFF_TEST_GRAPHITE_TOKEN", "Bearer s3cr3t-graphite");
    await using server = await startServer(reply(200, fixture("single-series"), json));
    const result = await graphiteSampler({
      url: server.origin,
      target: "servers.web1.cpu",
      headers: { Authorization: { $secret: "AMSTAFF_TEST_GRAPHITE_TOKEN" }, "X-Grafana-Org": "7" },
    }).probe();
    expect(server.requests[0]?.headers.authorization).toBe("Bearer s3cr3t-graphite");
    expect(server.requests[0]?.headers["x-grafana-org"]).toBe("7");
    expect(JSON.stringify(result)).not.toContain("s3cr3t");
  });

  it("sends the URL's user:password as basic auth and never shows them", async () => {
    await using server = await startServer(reply(500, "boom"));
    const url = server.origin.replace("http://", "http://probe:p%40ss-w0rd@");
    const result = await graphiteSampler({ url, target: "servers.web1.cpu" }).probe();
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("probe:p@ss-w0rd").toString("base64")}`,
    );
    expect(result.status).toBe("unknown");
    expect(result.details?.url).toBe(server.origin);
    expect(JSON.stringify(result)).not.toMatch(/probe:|w0rd/);
  });

  it("throws for a secret that is not set, naming it", () => {
    expect(() =>
      graphiteSampler({
        url: "http://127.0.0.1:1",
        target: "a.b",
        headers: { authorization: { $secret: "AMSTAFF_TEST_UNSET_GRAPHITE" } },
      }),
    ).toThrow(/AMSTAFF_TEST_UNSET_GRAPHITE/);
  });

  it("throws AMS_ERR_PLUGIN_OPTIONS for invalid options", () => {
    const attempt = () => graphiteSampler({ url: "ftp://graphite", target: "", warning: 90, critical: 80 });
    expect(attempt).toThrow(AmstaffError);
    expect(attempt).toThrow(/url: .*target: .*warning: must be lower than critical/);
  });
});

describe("thresholds", () => {
  it("is critical above the critical threshold, with the documented message", async () => {
    await using server = await startServer(reply(200, fixture("single-series"), json));
    const result = await graphiteSampler({
      url: server.origin,
      target: "servers.web1.cpu",
      warning: 70,
      critical: 85,
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe("servers.web1.cpu avg 87.5 over -5min is above the critical threshold 85");
    expect(result.value).toBe(87.5);
    expect(result.details).toEqual({
      url: server.origin,
      target: "servers.web1.cpu",
      from: "-5min",
      until: "now",
      aggregation: "avg",
      seriesCount: 1,
      series: { "servers.web1.cpu": { value: 87.5, status: "critical" } },
    });
  });

  it("is warning between the thresholds and ok below them", async () => {
    await using server = await startServer(reply(200, fixture("single-series"), json));
    const warning = await graphiteSampler({
      url: server.origin,
      target: "servers.web1.cpu",
      warning: 80,
      critical: 90,
    }).probe();
    expect(warning.status).toBe("warning");
    expect(warning.message).toBe("servers.web1.cpu avg 87.5 over -5min is above the warning threshold 80");
    const ok = await graphiteSampler({
      url: server.origin,
      target: "servers.web1.cpu",
      warning: 90,
      critical: 95,
    }).probe();
    expect(ok.status).toBe("ok");
    expect(ok.message).toBe("servers.web1.cpu avg 87.5 over -5min (warning ≥ 90, critical ≥ 95)");
  });

  it("judges values below the thresholds when direction is below", async () => {
    await using server = await startServer(reply(200, fixture("single-series"), json));
    const free = (warning: number, critical: number, aggregation: "avg" | "min" = "avg") =>
      graphiteSampler({
        url: server.origin,
        target: "servers.web1.cpu",
        direction: "below",
        warning,
        critical,
        aggregation,
      }).probe();
    const critical = await free(95, 90);
    expect(critical.status).toBe("critical");
    expect(critical.message).toBe("servers.web1.cpu avg 87.5 over -5min is below the critical threshold 90");
    const warning = await free(90, 80);
    expect(warning.status).toBe("warning");
    const ok = await free(50, 40);
    expect(ok.status).toBe("ok");
    expect(ok.message).toBe("servers.web1.cpu avg 87.5 over -5min (warning ≤ 50, critical ≤ 40)");
    const atThreshold = await free(85, 80, "min");
    expect(atThreshold.status).toBe("critical");
    expect(atThreshold.message).toBe("servers.web1.cpu min 80 over -5min is at the critical threshold 80");
  });

  it("aggregates the window with avg, last, min, max or sum, skipping nulls", async () => {
    await using server = await startServer(reply(200, fixture("single-series"), json));
    const values: Record<string, number | undefined> = {};
    for (const aggregation of ["avg", "last", "min", "max", "sum"] as const) {
      const result = await graphiteSampler({
        url: server.origin,
        target: "servers.web1.cpu",
        aggregation,
      }).probe();
      expect(result.status).toBe("ok");
      expect(result.message).toContain(`servers.web1.cpu ${aggregation} `);
      values[aggregation] = result.value;
    }
    expect(values).toEqual({ avg: 87.5, last: 95, min: 80, max: 95, sum: 350 });
  });

  it("says when the window does not end now", async () => {
    await using server = await startServer(reply(200, fixture("single-series"), json));
    const result = await graphiteSampler({
      url: server.origin,
      target: "servers.web1.cpu",
      from: "-1h",
      until: "-5min",
      aggregation: "max",
      critical: 90,
    }).probe();
    expect(result.message).toBe(
      "servers.web1.cpu max 95 from -1h until -5min is above the critical threshold 90",
    );
  });
});

describe("several series", () => {
  it("lets the worst series decide and names every series in details", async () => {
    await using server = await startServer(reply(200, fixture("five-series"), json));
    const result = await graphiteSampler({
      url: server.origin,
      target: "servers.web{1,2,3,4,5}.cpu",
      warning: 70,
      critical: 85,
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe("3 of 5 series critical, 1 warning (worst: servers.web3.cpu avg 97.1 ≥ 85)");
    expect(result.value).toBeCloseTo(97.1, 10);
    expect(result.details?.seriesCount).toBe(5);
    const series = result.details?.series as Record<string, { value: number; status: string }>;
    expect(Object.keys(series)).toEqual([
      "servers.web3.cpu",
      "servers.web4.cpu",
      "servers.web1.cpu",
      "servers.web5.cpu",
      "servers.web2.cpu",
    ]);
    expect(series["servers.web4.cpu"]).toEqual({ value: 88, status: "critical" });
    expect(series["servers.web5.cpu"]).toEqual({ value: 72, status: "warning" });
    expect(series["servers.web2.cpu"]).toEqual({ value: 62, status: "ok" });
  });

  it("reports the warning series when none is critical", async () => {
    await using server = await startServer(reply(200, fixture("five-series"), json));
    const result = await graphiteSampler({
      url: server.origin,
      target: "servers.web{1,2,3,4,5}.cpu",
      warning: 85,
      critical: 99,
    }).probe();
    expect(result.status).toBe("warning");
    expect(result.message).toBe("3 of 5 series warning (worst: servers.web3.cpu avg 97.1 ≥ 85)");
  });

  it("is ok when every series is, naming the one closest to the thresholds", async () => {
    await using server = await startServer(reply(200, fixture("five-series"), json));
    const above = await graphiteSampler({
      url: server.origin,
      target: "servers.web{1,2,3,4,5}.cpu",
      critical: 100,
    }).probe();
    expect(above.status).toBe("ok");
    expect(above.message).toBe("5 series ok (highest: servers.web3.cpu avg 97.1; critical ≥ 100)");
    const below = await graphiteSampler({
      url: server.origin,
      target: "servers.web{1,2,3,4,5}.cpu",
      direction: "below",
      warning: 50,
    }).probe();
    expect(below.status).toBe("ok");
    expect(below.message).toBe("5 series ok (lowest: servers.web2.cpu avg 62; warning ≤ 50)");
    expect(below.value).toBe(62);
  });

  it("with direction below, the lowest series is the worst", async () => {
    await using server = await startServer(reply(200, fixture("five-series"), json));
    const result = await graphiteSampler({
      url: server.origin,
      target: "servers.web{1,2,3,4,5}.cpu",
      direction: "below",
      aggregation: "min",
      warning: 75,
      critical: 65,
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe("1 of 5 series critical, 1 warning (worst: servers.web2.cpu min 60 ≤ 65)");
  });
});

describe("missing data", () => {
  it("is unknown by default for a series whose datapoints are all null", async () => {
    await using server = await startServer(reply(200, fixture("null-only"), json));
    const result = await graphiteSampler({
      url: server.origin,
      target: "servers.stale.cpu",
      from: "-2min",
      critical: 85,
    }).probe();
    expect(result.status).toBe("unknown");
    expect(result.message).toBe("servers.stale.cpu has no datapoints over -2min");
    expect(result.value).toBeUndefined();
    expect(result.details?.series).toEqual({ "servers.stale.cpu": { value: null, status: "unknown" } });
  });

  it("is unknown by default when Graphite returns no series at all", async () => {
    await using server = await startServer(reply(200, fixture("no-series"), json));
    const result = await graphiteSampler({ url: server.origin, target: "servers.nothing.here" }).probe();
    expect(result.status).toBe("unknown");
    expect(result.message).toBe("Graphite returned no series for servers.nothing.here over -5min");
    expect(result.details).toMatchObject({ seriesCount: 0, series: {} });
  });

  it("follows onMissing for null-only series and for no series", async () => {
    await using nulls = await startServer(reply(200, fixture("null-only"), json));
    await using none = await startServer(reply(200, fixture("no-series"), json));
    for (const onMissing of ["ok", "warning", "critical", "unknown"] as const) {
      const stale = await graphiteSampler({
        url: nulls.origin,
        target: "servers.stale.cpu",
        onMissing,
      }).probe();
      expect(stale.status).toBe(onMissing);
      const absent = await graphiteSampler({
        url: none.origin,
        target: "servers.nothing.here",
        onMissing,
      }).probe();
      expect(absent.status).toBe(onMissing);
    }
  });

  it("judges a series without data among others by onMissing, the worst still deciding", async () => {
    await using server = await startServer(reply(200, fixture("one-series-without-data"), json));
    const probe = (onMissing: "ok" | "critical" | "unknown", critical = 90) =>
      graphiteSampler({
        url: server.origin,
        target: "servers.{web1,stale}.cpu",
        from: "-2min",
        critical,
        onMissing,
      }).probe();
    const unknown = await probe("unknown");
    expect(unknown.status).toBe("unknown");
    expect(unknown.message).toBe(
      "1 of 2 series without data (worst: servers.stale.cpu has no datapoints over -2min)",
    );
    expect(unknown.value).toBe(87.5);
    const ok = await probe("ok");
    expect(ok.status).toBe("ok");
    expect(ok.message).toBe(
      "1 series ok, 1 without data (highest: servers.web1.cpu avg 87.5; critical ≥ 90)",
    );
    const critical = await probe("unknown", 80);
    expect(critical.status).toBe("critical");
    expect(critical.message).toBe(
      "1 of 2 series critical, 1 without data (worst: servers.web1.cpu avg 87.5 ≥ 80)",
    );
    const missingCritical = await probe("critical");
    expect(missingCritical.status).toBe("critical");
    expect(missingCritical.details?.series).toEqual({
      "servers.stale.cpu": { value: null, status: "critical" },
      "servers.web1.cpu": { value: 87.5, status: "ok" },
    });
  });
});

describe("when Graphite cannot tell: unknown", () => {
  it("for a 500, quoting the exception of graphite-web's traceback", async () => {
    await using server = await startServer(
      reply(500, fixture("server-error"), { "content-type": "text/html" }),
    );
    const result = await graphiteSampler({
      url: server.origin,
      target: "{servers.web1.cpu,servers.stale.cpu}",
    }).probe();
    expect(result.status).toBe("unknown");
    expect(result.message).toBe(
      `Graphite at ${server.origin} answered HTTP 500 for {servers.web1.cpu,servers.stale.cpu}: ` +
        "pyparsing.exceptions.ParseException: , found '.' (at char 8), (line:1, col:9)",
    );
    expect(result.details?.statusCode).toBe(500);
  });

  it("for a 400, quoting Graphite's explanation", async () => {
    await using server = await startServer(
      reply(400, fixture("unknown-function"), { "content-type": "text/html" }),
    );
    const result = await graphiteSampler({
      url: server.origin,
      target: "nosuchfunction(servers.web1.cpu)",
    }).probe();
    expect(result.status).toBe("unknown");
    expect(result.message).toContain(
      "answered HTTP 400 for nosuchfunction(servers.web1.cpu): Invalid parameters",
    );
    expect(result.message).toContain("unknown function: nosuchfunction");
  });

  it("for a 401 or a redirect, saying what happened", async () => {
    await using denied = await startServer(reply(401, ""));
    const unauthorized = await graphiteSampler({ url: denied.origin, target: "a.b" }).probe();
    expect(unauthorized.status).toBe("unknown");
    expect(unauthorized.message).toBe(`Graphite at ${denied.origin} answered HTTP 401 for a.b`);
    await using moved = await startServer(
      reply(301, "", { location: "https://graphite.example.com/render" }),
    );
    const redirected = await graphiteSampler({ url: moved.origin, target: "a.b" }).probe();
    expect(redirected.message).toBe(
      `Graphite at ${moved.origin} answered HTTP 301 for a.b (redirects to https://graphite.example.com/render: use the final URL)`,
    );
  });

  it("for a body that is not JSON, or JSON that is not render data", async () => {
    await using html = await startServer(reply(200, "<html>login</html>", { "content-type": "text/html" }));
    const notJson = await graphiteSampler({ url: html.origin, target: "a.b" }).probe();
    expect(notJson.status).toBe("unknown");
    expect(notJson.message).toMatch(
      new RegExp(
        `^Graphite at ${html.origin} answered with something that is not render JSON: the body is not JSON`,
      ),
    );
    await using truncated = await startServer(reply(200, fixture("five-series").slice(0, 500), json));
    expect((await graphiteSampler({ url: truncated.origin, target: "a.b" }).probe()).status).toBe("unknown");
    await using wrongShape = await startServer(reply(200, '{"series": []}', json));
    const shape = await graphiteSampler({ url: wrongShape.origin, target: "a.b" }).probe();
    expect(shape.status).toBe("unknown");
    expect(shape.message).toContain("not a list of { target, datapoints } series");
  });

  it("for an unreachable Graphite", async () => {
    const port = await closedPort();
    const result = await graphiteSampler({ url: `http://127.0.0.1:${port}`, target: "a.b" }).probe();
    expect(result.status).toBe("unknown");
    expect(result.message).toBe(
      `could not reach Graphite at http://127.0.0.1:${port}: connection refused to 127.0.0.1:${port}`,
    );
  });

  it("for a Graphite slower than the timeout", async () => {
    await using server = await startServer(() => new Promise<void>(() => {}));
    const result = await graphiteSampler({ url: server.origin, target: "a.b", timeout: "200ms" }).probe();
    expect(result.status).toBe("unknown");
    expect(result.message).toBe(`no answer from Graphite at ${server.origin} within 200 ms`);
  });

  it("for a probe aborted by its caller", async () => {
    await using server = await startServer(() => new Promise<void>(() => {}));
    const controller = new AbortController();
    const probing = graphiteSampler({ url: server.origin, target: "a.b" }).probe({
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error("shutting down")), 50);
    const result = await probing;
    expect(result.status).toBe("unknown");
    expect(result.message).toBe(`probe of Graphite at ${server.origin} aborted`);
  });
});

describe("the sampler", () => {
  it("is named after its target unless given a name, and reuses kept-alive connections", async () => {
    await using server = await startServer(reply(200, fixture("single-series"), json));
    const sampler = graphiteSampler({ url: server.origin, target: "servers.web1.cpu" });
    expect(sampler.name).toBe("graphite servers.web1.cpu");
    expect(sampler.tags).toEqual([]);
    for (let i = 0; i < 6; i += 1) expect((await sampler.probe()).status).toBe("ok");
    // undici may open a second socket while the first is being released; it never opens one per probe.
    expect(server.connections()).toBeLessThanOrEqual(2);
    const named = graphiteSampler({ url: server.origin, target: "a.b", name: "CPU", tags: ["web"] });
    expect(named.name).toBe("CPU");
    expect(named.tags).toEqual(["web"]);
  });
});
