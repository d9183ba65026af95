import { AmstaffError } from "@amstaff/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { closedPort, reply, startServer } from "./__tests__/testServer.js";
import { httpSampler } from "./httpSampler.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("status", () => {
  it("is ok for a 200 and reports the latency", async () => {
    await using server = await startServer(reply(200, "hello"));
    const result = await httpSampler({ url: `${server.origin}/health` }).probe();
    expect(result.status).toBe("ok");
    expect(result.message).toMatch(/^HTTP 200 in \d+ ms$/);
    expect(result.value).toBeTypeOf("number");
    expect(result.durationMs).toBe(result.value);
    expect(result.details).toEqual({
      statusCode: 200,
      url: `${server.origin}/health`,
      method: "GET",
      bytes: 5,
    });
    expect(server.requests[0]?.headers["user-agent"]).toBe("amstaff-sampler-http");
  });

  it("is critical for a 500, saying what was expected", async () => {
    await using server = await startServer(reply(500, "boom"));
    const result = await httpSampler({ url: `${server.origin}/health` }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`HTTP 500 from GET ${server.origin}/health (expected 2xx)`);
    expect(result.details?.statusCode).toBe(500);
  });

  it("judges the status against okStatus when given", async () => {
    await using server = await startServer(reply(503));
    const accepting = await httpSampler({ url: server.origin, okStatus: [200, 503] }).probe();
    expect(accepting.status).toBe("ok");
    const strict = await httpSampler({ url: server.origin, okStatus: [201] }).probe();
    expect(strict.status).toBe("critical");
    expect(strict.message).toContain("HTTP 503");
    expect(strict.message).toContain("(expected 201)");
  });

  it("sends HEAD requests", async () => {
    await using server = await startServer(reply(204));
    const result = await httpSampler({ url: server.origin, method: "HEAD" }).probe();
    expect(result.status).toBe("ok");
    expect(server.requests[0]?.method).toBe("HEAD");
  });
});

describe("requests", () => {
  it("sends a JSON body with content-type application/json", async () => {
    await using server = await startServer(reply(201));
    const result = await httpSampler({
      url: `${server.origin}/orders`,
      method: "POST",
      body: { sku: "probe", quantity: 1, tags: ["a"] },
    }).probe();
    expect(result.status).toBe("ok");
    const received = server.requests[0];
    expect(received?.method).toBe("POST");
    expect(received?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(received?.body ?? "")).toEqual({ sku: "probe", quantity: 1, tags: ["a"] });
  });

  it("sends a string body as is, with the content type the headers give", async () => {
    await using server = await startServer(reply(200));
    await httpSampler({
      url: server.origin,
      method: "PUT",
      headers: { "Content-Type": "text/plain" },
      body: "ping",
    }).probe();
    expect(server.requests[0]?.body).toBe("ping");
    expect(server.requests[0]?.headers["content-type"]).toBe("text/plain");
  });

  it("sends headers, resolving secret references from the environment", async () => {
    vi.stubEnv("AMSTAFF_TEST_TOKEN", "s3cr3t-value");
    await using server = await startServer(reply(500));
    const result = await httpSampler({
      url: server.origin,
      headers: { authorization: { $secret: "AMSTAFF_TEST_TOKEN" }, "X-Team": "team8" },
    }).probe();
    expect(server.requests[0]?.headers.authorization).toBe("s3cr3t-value");
    expect(server.requests[0]?.headers["x-team"]).toBe("team8");
    expect(JSON.stringify(result)).not.toContain("s3cr3t-value");
  });

  it("refuses to build a sampler whose secret is not set, naming the secret only", () => {
    vi.stubEnv("AMSTAFF_TEST_MISSING", "");
    expect(() =>
      httpSampler({
        url: "http://127.0.0.1/",
        headers: { authorization: { $secret: "AMSTAFF_TEST_MISSING" } },
      }),
    ).toThrow(expect.objectContaining({ code: "AMS_ERR_SECRET_MISSING" }));
  });

  it("sends URL credentials as basic auth and never shows them", async () => {
    await using server = await startServer(reply(500));
    const url = `http://probe:pa%24%24word@127.0.0.1:${server.port}/private`;
    const sampler = httpSampler({ url });
    const result = await sampler.probe();
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("probe:pa$$word").toString("base64")}`,
    );
    expect(JSON.stringify(result)).not.toContain("word");
    expect(sampler.name).toBe(`GET ${server.origin}/private`);
  });

  it("reuses one kept-alive connection across probes and samplers", async () => {
    await using server = await startServer(reply(200, "UP"));
    const paths = ["/a", "/b", "/a", "/b", "/c", "/a"];
    for (const path of paths) {
      expect((await httpSampler({ url: `${server.origin}${path}` }).probe()).status).toBe("ok");
    }
    // undici may open a second socket while the first is being released; it never opens one per probe.
    expect(server.connections()).toBeLessThanOrEqual(2);
  });

  it("uses the given name and tags", () => {
    const sampler = httpSampler({ url: "http://127.0.0.1/", name: "api health", tags: ["prod"] });
    expect(sampler.name).toBe("api health");
    expect(sampler.tags).toEqual(["prod"]);
  });
});

describe("latency", () => {
  const slow = (delayMs: number) =>
    startServer(async (_request, response) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      response.end("late");
    });

  it("is warning once latency reaches the warning threshold", async () => {
    await using server = await slow(300);
    const result = await httpSampler({
      url: server.origin,
      latency: { warning: 50, critical: 60_000 },
    }).probe();
    expect(result.status).toBe("warning");
    expect(result.message).toMatch(/^HTTP 200 in \d+ ms, reaching the warning threshold of 50 ms/);
  });

  it("is critical once latency reaches the critical threshold", async () => {
    await using server = await slow(300);
    const result = await httpSampler({ url: server.origin, latency: { warning: 10, critical: 50 } }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toContain("critical threshold of 50 ms");
  });

  it("is ok under the thresholds", async () => {
    await using server = await startServer(reply(200));
    const result = await httpSampler({ url: server.origin, latency: { warning: 60_000 } }).probe();
    expect(result.status).toBe("ok");
  });
});

describe("unreachable targets", () => {
  it("is critical when no response comes within the timeout", async () => {
    await using server = await startServer(() => {});
    const result = await httpSampler({ url: `${server.origin}/hang`, timeout: "300ms" }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`no response within 300 ms from GET ${server.origin}/hang`);
  });

  it("is critical when the body does not finish within the timeout", async () => {
    await using server = await startServer((_request, response) => {
      response.writeHead(200, { "content-length": "100" });
      response.write("partial");
    });
    const result = await httpSampler({ url: server.origin, timeout: "300ms" }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toContain("not complete within 300 ms");
  });

  it("is critical when the connection is refused", async () => {
    const port = await closedPort();
    const result = await httpSampler({ url: `http://127.0.0.1:${port}/health` }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`connection refused to 127.0.0.1:${port}`);
    expect(result.details).toEqual({ url: `http://127.0.0.1:${port}/health`, method: "GET" });
  });

  it("is critical when the host name does not resolve", async () => {
    const result = await httpSampler({ url: "http://nope.invalid/health", timeout: "5s" }).probe();
    expect(result.status).toBe("critical");
    // An offline resolver may hang instead of answering NXDOMAIN; the timeout then bounds the probe.
    expect(result.message).toMatch(
      /^(DNS lookup failed for nope\.invalid \(E[A-Z_]+\)|no response within 5000 ms from GET http:\/\/nope\.invalid\/health)$/,
    );
  });

  it("is critical on a TLS failure", async () => {
    await using server = await startServer(reply(200));
    const result = await httpSampler({ url: `https://127.0.0.1:${server.port}/`, timeout: "5s" }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toMatch(
      new RegExp(`^TLS error with 127\\.0\\.0\\.1:${server.port}: wrong version number \\(E[A-Z_]+\\)$`),
    );
  });

  it("is critical when the server resets the connection", async () => {
    await using server = await startServer((_request, response) => {
      response.socket?.destroy();
    });
    const result = await httpSampler({ url: server.origin }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`connection reset by 127.0.0.1:${server.port}`);
  });
});

describe("abort", () => {
  it("stops the probe when the context's signal aborts", async () => {
    await using server = await startServer(() => {});
    const controller = new AbortController();
    const probing = httpSampler({ url: server.origin, timeout: "1m" }).probe({ signal: controller.signal });
    await vi.waitFor(() => expect(server.requests).toHaveLength(1));
    controller.abort();
    const result = await probing;
    expect(result.status).toBe("unknown");
    expect(result.message).toBe(`probe of GET ${server.origin}/ aborted`);
  });

  it("does not send a request when the signal is already aborted", async () => {
    await using server = await startServer(reply(200));
    const result = await httpSampler({ url: server.origin }).probe({ signal: AbortSignal.abort() });
    expect(result.status).toBe("unknown");
    expect(server.requests).toHaveLength(0);
  });
});

describe("body assertions", () => {
  const health = JSON.stringify({ status: "UP", checks: { db: { status: "down" } }, items: [{ id: 7 }] });

  it("passes and fails `contains`", async () => {
    await using server = await startServer(reply(200, health));
    expect((await httpSampler({ url: server.origin, expect: { contains: '"UP"' } }).probe()).status).toBe(
      "ok",
    );
    const failing = await httpSampler({ url: server.origin, expect: { contains: "HEALTHY" } }).probe();
    expect(failing.status).toBe("critical");
    expect(failing.message).toBe(`body does not contain "HEALTHY" (HTTP 200 from GET ${server.origin}/)`);
  });

  it("passes and fails `matches`, honouring flags", async () => {
    await using server = await startServer(reply(200, health));
    const matching = httpSampler({ url: server.origin, expect: { matches: '"status":"up"', flags: "gi" } });
    expect((await matching.probe()).status).toBe("ok");
    expect((await matching.probe()).status).toBe("ok");
    const failing = await httpSampler({ url: server.origin, expect: { matches: '"status":"up"' } }).probe();
    expect(failing.status).toBe("critical");
    expect(failing.message).toContain('body does not match /"status":"up"/');
  });

  it("decides `^(a+)+$` against 28 a and a ! (the issue's freeze) with RE2 semantics", async () => {
    await using server = await startServer(reply(200, `${"a".repeat(28)}!`));
    const failing = await httpSampler({ url: server.origin, expect: { matches: "^(a+)+$" } }).probe();
    expect(failing.status).toBe("critical");
    expect(failing.message).toBe(`body does not match /^(a+)+$/ (HTTP 200 from GET ${server.origin}/)`);
    const passing = await httpSampler({ url: server.origin, expect: { matches: "^(a+)+!$" } }).probe();
    expect(passing.status).toBe("ok");
  });

  it("is critical when matching the body outlasts the timeout, and stops the match", async () => {
    const body = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = Math.random() < 0.5 ? 0x61 : 0x62;
    await using server = await startServer(reply(200, body.toString("latin1")));
    const result = await httpSampler({
      url: server.origin,
      timeout: "1s",
      expect: { matches: "[ab]*a[ab]{1000}$" },
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(
      `body not checked: matching it took longer than the 1000 ms timeout (HTTP 200 from GET ${server.origin}/)`,
    );
  });

  it("passes and fails a JSON path", async () => {
    await using server = await startServer(reply(200, health));
    const probe = (json: string, equals: unknown) =>
      httpSampler({ url: server.origin, expect: { json, equals: equals as never } }).probe();
    expect((await probe("status", "UP")).status).toBe("ok");
    expect((await probe("items.0.id", 7)).status).toBe("ok");
    expect((await probe("checks.db", { status: "down" })).status).toBe("ok");
    const failing = await probe("checks.db.status", "up");
    expect(failing.status).toBe("critical");
    expect(failing.message).toContain('JSON field checks.db.status is "down", expected "up"');
    const missing = await probe("checks.cache.status", "up");
    expect(missing.message).toContain("JSON field checks.cache.status is missing (no checks.cache)");
  });

  it("is critical when a JSON assertion meets a body that is not JSON", async () => {
    await using server = await startServer(reply(200, "<html>maintenance</html>"));
    const result = await httpSampler({
      url: server.origin,
      expect: { json: "status", equals: "UP" },
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toContain("body is not JSON");
  });

  it("checks the status before the body", async () => {
    await using server = await startServer(reply(503, "UP"));
    const result = await httpSampler({ url: server.origin, expect: { contains: "UP" } }).probe();
    expect(result.message).toMatch(/^HTTP 503 /);
  });
});

describe("large bodies", () => {
  const big = Buffer.alloc(4 * 1024 * 1024, "a");

  it("reads only maxBodyBytes of a larger body", async () => {
    await using server = await startServer(reply(200, `MARKER${big}`));
    const result = await httpSampler({
      url: server.origin,
      maxBodyBytes: 1024,
      expect: { contains: "MARKER" },
    }).probe();
    expect(result.status).toBe("ok");
    expect(result.details).toMatchObject({ bytes: 1024, truncated: true });
  });

  it("says so when the text sought may lie beyond maxBodyBytes", async () => {
    await using server = await startServer(reply(200, `${big}MARKER`));
    const result = await httpSampler({
      url: server.origin,
      maxBodyBytes: 1024,
      expect: { contains: "MARKER" },
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toContain("only the first 1024 bytes were read");
  });

  it("does not parse a truncated body as JSON", async () => {
    await using server = await startServer(
      reply(200, JSON.stringify({ status: "UP", padding: big.toString() })),
    );
    const result = await httpSampler({
      url: server.origin,
      maxBodyBytes: 1024,
      expect: { json: "status", equals: "UP" },
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toContain("larger than maxBodyBytes (1024 bytes)");
  });
});

describe("redirects", () => {
  it("follows redirects by default", async () => {
    await using server = await startServer((request, response) => {
      if (request.url === "/old") response.writeHead(301, { location: "/new" }).end();
      else if (request.url === "/new") response.writeHead(302, { location: "/health" }).end();
      else response.end("UP");
    });
    const result = await httpSampler({ url: `${server.origin}/old`, expect: { contains: "UP" } }).probe();
    expect(result.status).toBe("ok");
    expect(result.details).toMatchObject({
      url: `${server.origin}/old`,
      finalUrl: `${server.origin}/health`,
    });
    expect(result.details?.redirects).toBe(2);
  });

  it("judges a 3xx against okStatus when redirects are not followed", async () => {
    await using server = await startServer(reply(302, "", { location: "/login" }));
    const result = await httpSampler({ url: server.origin, followRedirects: false }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`HTTP 302 from GET ${server.origin}/ (expected 2xx; redirects to /login)`);
    const accepted = await httpSampler({
      url: server.origin,
      followRedirects: false,
      okStatus: [302],
    }).probe();
    expect(accepted.status).toBe("ok");
    expect(server.requests.map((r) => r.url)).toEqual(["/", "/"]);
  });

  it("is critical after more than 5 redirects", async () => {
    await using server = await startServer((request, response) => {
      response.writeHead(307, { location: `${request.url}x` }).end();
    });
    const result = await httpSampler({ url: `${server.origin}/loop` }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`more than 5 redirects from GET ${server.origin}/loop`);
    expect(server.requests).toHaveLength(6);
  });

  it("turns a POST into a GET on a 303", async () => {
    await using server = await startServer((request, response) => {
      if (request.method === "POST") response.writeHead(303, { location: "/result" }).end();
      else response.end("done");
    });
    const result = await httpSampler({ url: server.origin, method: "POST", body: { a: 1 } }).probe();
    expect(result.status).toBe("ok");
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      'POST / {"a":1}',
      "GET /result ",
    ]);
    expect(server.requests[1]?.headers["content-type"]).toBeUndefined();
  });

  it("does not forward credentials to another origin", async () => {
    await using other = await startServer(reply(200));
    await using server = await startServer(reply(302, "", { location: `${other.origin}/landing` }));
    const result = await httpSampler({
      url: server.origin,
      headers: { authorization: "Bearer abc", "x-api-key": "key", accept: "text/plain" },
    }).probe();
    expect(result.status).toBe("ok");
    expect(server.requests[0]?.headers.authorization).toBe("Bearer abc");
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
    expect(other.requests[0]?.headers["x-api-key"]).toBeUndefined();
    expect(other.requests[0]?.headers.accept).toBe("text/plain");
  });
});

describe("options", () => {
  const invalid = (options: unknown) => {
    try {
      httpSampler(options as never);
    } catch (error) {
      expect(error).toBeInstanceOf(AmstaffError);
      expect((error as AmstaffError).code).toBe("AMS_ERR_PLUGIN_OPTIONS");
      return (error as AmstaffError).message;
    }
    throw new Error("expected httpSampler to throw");
  };

  it("rejects a URL that is not http(s)", () => {
    expect(invalid({ url: "not a url" })).toMatch(
      /^Invalid options for @amstaff\/sampler-http: url: an absolute http/,
    );
    expect(invalid({ url: "ftp://example.com/file" })).toContain("url: ");
  });

  it("rejects an invalid regular expression when the sampler is built", () => {
    expect(invalid({ url: "http://x/", expect: { matches: "(unclosed" } })).toContain(
      "expect.matches: not a pattern RE2 accepts (missing closing )",
    );
  });

  it("rejects a timeout that is not a duration", () => {
    expect(invalid({ url: "http://x/", timeout: "30 minutes" })).toContain('timeout: a duration like "10s"');
  });

  it("rejects unknown options, misspelled assertions and a body on GET", () => {
    expect(invalid({ url: "http://x/", okStatuses: [200] })).toContain("okStatuses");
    expect(invalid({ url: "http://x/", expect: { contain: "UP" } })).toContain("expect: one of");
    expect(invalid({ url: "http://x/", body: "x" })).toContain("body: a GET request has no body");
    expect(invalid({ url: "http://x/", latency: { warning: 500, critical: 100 } })).toContain(
      "latency: warning must be lower than critical",
    );
  });
});
