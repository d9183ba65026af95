import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AmstaffServer, startServer } from "../src/server.js";
import { startReceiver, startTarget } from "./localServers.js";
import { eventually } from "./serverProcess.js";

let server: AmstaffServer;
let dataDir: string;
const target = await startTarget();
const receiver = await startReceiver();

const moduleSource = (monitors: string, name = "Payments") => `import { amstaff, every } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";
import { webhook } from "@amstaff/handler-webhook";

export default amstaff(${JSON.stringify(name)}, (m) => {
${monitors}
});
`;
const monitor = (name: string, path = "/health") =>
  `  m.monitor(${JSON.stringify(name)}, { sampler: httpGet({ url: "${target.url}${path}" }), timing: every("1s"), handlers: [webhook({ url: "${receiver.url}/hook" })] });`;

async function api(path: string, init: { method?: string; body?: string; token?: string } = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method: init.method ?? "GET",
    body: init.body,
    headers: { authorization: `Bearer ${init.token ?? server.token}` },
  });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "amstaff-api-"));
  server = await startServer({
    dataDir,
    port: 0,
    logger: "silent",
    tokens: { ci: "ci-token-0123456789abcdef" },
    readTokens: { wall: "wall-read-token-0123456789" },
  });
});

afterAll(async () => {
  await server.stop();
  await target[Symbol.asyncDispose]();
  await receiver[Symbol.asyncDispose]();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the HTTP API", () => {
  it("answers GET /health without a token, with the scheduler's counters and lateness as numbers", async () => {
    const response = await fetch(`${server.url}/health`);
    const body = (await response.json()) as any;
    expect(response.status).toBe(200);
    expect(body).toMatchObject({
      status: "ok",
      modules: expect.any(Number),
      scheduler: {
        runs: expect.any(Number),
        skipped: expect.any(Number),
        latenessMs: { p50: expect.any(Number), p99: expect.any(Number), max: expect.any(Number) },
      },
    });
  });

  it("lists the installed plugins with their options as JSON Schema", async () => {
    const { body } = await api("/plugins");
    const http = body.find((p: { id: string }) => p.id === "@amstaff/sampler-http");
    expect(http).toMatchObject({ kind: "sampler", builders: expect.arrayContaining(["httpGet"]) });
    expect(http.options.properties.url).toBeDefined();
  });

  it("shows a push's diff without applying it on a dry run, and records who pushed", async () => {
    const v1 = moduleSource([monitor("A"), monitor("B")].join("\n"));
    const dry = await api("/monitor?dryRun=true", { method: "POST", body: v1 });
    expect(dry).toMatchObject({
      status: 200,
      body: { dryRun: true, changed: true, diff: { added: ["A", "B"] } },
    });
    expect((await api("/modules")).body).toEqual([]);

    expect(
      (await api("/monitor", { method: "POST", body: v1, token: "ci-token-0123456789abcdef" })).status,
    ).toBe(201);
    const v2 = moduleSource([monitor("A", "/other"), monitor("C")].join("\n"));
    const pushed = await api("/monitor", { method: "POST", body: v2 });
    expect(pushed.body).toMatchObject({
      revision: 2,
      diff: { added: ["C"], changed: ["A"], removed: ["B"], unchanged: [] },
    });
    const history = (await api("/modules/Payments/history")).body;
    expect(history).toMatchObject({
      current: 2,
      revisions: [
        { revision: 2, pushedBy: "admin" },
        { revision: 1, pushedBy: "ci" },
      ],
    });
    expect((await api("/modules/Payments/history/1")).body.source).toBe(v1);
  });

  it("acknowledges an open incident once, and refuses when there is none", async () => {
    await api("/monitor", { method: "POST", body: moduleSource(monitor("Checkout", "/health"), "Shop") });
    target.status = 500;
    await eventually(
      async () => {
        const [m] = (await api("/monitors?module=Shop")).body;
        return m?.incident ? m : undefined;
      },
      15_000,
      "an open incident",
    );
    const ack = await api("/monitors/Shop/Checkout/ack", {
      method: "POST",
      body: JSON.stringify({ by: "alice" }),
    });
    expect(ack).toMatchObject({ status: 200, body: { acknowledged: { acknowledged: { by: "alice" } } } });
    expect((await api("/monitors/Shop/Checkout/ack", { method: "POST" })).status).toBe(409);
    expect((await api("/monitors/Shop/Checkout/ack", { method: "POST", body: "{nope" })).status).toBe(400);
    expect((await api("/monitors/Shop/Nope/ack", { method: "POST" })).status).toBe(404);
    target.status = 200;
  });

  it("refuses at push time a module whose handler needs a secret it is not granted, or has a bad URL", async () => {
    const missing = moduleSource(
      monitor("A").replace(
        `webhook({ url: "${receiver.url}/hook" })`,
        `webhook({ url: "${receiver.url}/hook", headers: { authorization: secret("HOOK_NOT_GRANTED") } })`,
      ),
    ).replace("import { amstaff, every }", "import { amstaff, every, secret }");
    const refused = await api("/monitor", {
      method: "POST",
      body: missing.replace('"Payments"', '"Secrets"'),
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({ line: 6, code: "validation" });
    expect(refused.body.errors[0].message).toContain(
      'secret("HOOK_NOT_GRANTED") is not granted to module "Secrets"',
    );
    const badUrl = moduleSource(monitor("A").replace(`${receiver.url}/hook`, "not a url"), "BadUrl");
    const invalid = await api("/monitor", { method: "POST", body: badUrl });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors[0].message).toMatch(/url/i);
    expect((await api("/modules")).body.map((m: { name: string }) => m.name)).not.toContain("BadUrl");
  });

  it("answers bad requests with a clear error and changes nothing", async () => {
    const before = (await api("/modules")).body;
    expect((await api("/nope")).status).toBe(404);
    expect((await api("/modules", { method: "PUT" })).status).toBe(405);
    expect((await api("/monitor", { method: "POST", body: "" })).body.error.message).toContain(
      "--data-binary",
    );
    const big = await api("/monitor", { method: "POST", body: "x".repeat(2 * 1024 * 1024) });
    expect(big).toMatchObject({ status: 413, body: { error: { code: "AMS_ERR_REQUEST_TOO_LARGE" } } });
    expect((await api("/modules/%E0%A4%A", { method: "DELETE" })).status).toBe(400);
    expect((await api("/modules/Ghost", { method: "DELETE" })).status).toBe(404);
    expect((await api("/modules")).body).toEqual(before);
  });
});

describe("silences over the API", () => {
  const quiet = moduleSource(
    [
      monitor("Web").replace("handlers:", 'tags: ["edge"], handlers:'),
      monitor("Worker").replace("handlers:", 'tags: ["batch"], handlers:'),
    ].join("\n"),
    "Quiet",
  );
  const post = (body: unknown) =>
    api("/silences", { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });

  it("refuses an invalid silence with a clear message, and creates nothing", async () => {
    expect((await api("/monitor", { method: "POST", body: quiet })).status).toBe(201);
    const before = (await api("/silences?all=true")).body;
    const refusals: [unknown, RegExp][] = [
      [{ module: "Quiet", for: "2 hours" }, /for: a duration such as "30m" or "2h"/],
      [
        { module: "Quiet", for: "2h", until: "2099-01-01T00:00:00Z" },
        /give either "for" \(a duration\) or "until"/,
      ],
      [{ module: "Quiet" }, /give either "for" \(a duration\) or "until"/],
      [{ monitors: ["Web"], for: "1h" }, /"monitors" names monitors of one module: give "module" too/],
      [{ module: "Quiet", monitors: ["Web", "Nope"], for: "1h" }, /No monitor "Nope" in module "Quiet"/],
      [{ module: "Quite", for: "1h" }, /No module "Quite" \(modules: .*"Quiet"/],
      [{ module: "Quiet", for: "31d" }, /at most 30 days/],
      [{ module: "Quiet", until: "2020-01-01T00:00:00Z" }, /ends before it starts, or in the past/],
      [{ module: "Quiet", until: "tomorrow" }, /until/],
      [{ module: "Quiet", for: "1h", colour: "red" }, /colour/],
      ["{not json", /not JSON/],
    ];
    for (const [body, message] of refusals) {
      const refused = await post(body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error.code).toBe("AMS_ERR_REQUEST_INVALID");
      expect(refused.body.error.message).toMatch(message);
    }
    expect((await api("/silences?all=true")).body).toEqual(before);
  });

  it("lists active silences (all of them with ?all=true), ends one with DELETE and says 404 for an unknown id", async () => {
    const created = await post({
      module: "Quiet",
      monitors: ["Web"],
      for: "2h",
      reason: "deploy",
      by: "bob",
    });
    expect(created).toMatchObject({
      status: 201,
      body: { module: "Quiet", scope: { monitors: ["Web"] }, by: "bob", reason: "deploy" },
    });
    const { id, from, until } = created.body;
    expect(until - from).toBe(2 * 3_600_000);
    const tagged = await post({
      module: "Quiet",
      tags: ["batch"],
      until: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(tagged).toMatchObject({ status: 201, body: { by: "admin", reason: "" } });

    expect((await api("/silences")).body.map((s: { id: string }) => s.id)).toEqual(
      expect.arrayContaining([id, tagged.body.id]),
    );
    const suppressed = Object.fromEntries(
      (await api("/monitors?module=Quiet")).body.map((m: { monitor: string; suppressed: string | null }) => [
        m.monitor,
        m.suppressed,
      ]),
    );
    expect(suppressed.Web).toMatch(/^silenced by bob until .*: deploy$/);
    expect(suppressed.Worker).toMatch(/^silenced by admin until /);

    const ended = await api(`/silences/${id}`, { method: "DELETE" });
    expect(ended.status).toBe(200);
    expect(ended.body.until).toBeLessThanOrEqual(Date.now());
    const active = (await api("/silences")).body.map((s: { id: string }) => s.id);
    expect(active).not.toContain(id);
    expect(active).toContain(tagged.body.id);
    expect((await api("/silences?all=true")).body.map((s: { id: string }) => s.id)).toContain(id);
    expect((await api(`/silences/${id}`, { method: "DELETE" })).status).toBe(404);
    const unknown = await api("/silences/nope1234", { method: "DELETE" });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: "AMS_ERR_SILENCE_NOT_FOUND" } } });
    expect((await api(`/silences/${tagged.body.id}`, { method: "DELETE" })).status).toBe(200);
  });

  it("keeps silences across a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amstaff-api-silences-"));
    try {
      const first = await startServer({ dataDir: dir, port: 0, logger: "silent", token: server.token });
      const call = async (base: string, path: string, init: { method?: string; body?: string } = {}) => {
        const response = await fetch(`${base}${path}`, {
          ...init,
          headers: { authorization: `Bearer ${server.token}` },
        });
        return { status: response.status, body: (await response.json()) as any };
      };
      expect((await call(first.url, "/monitor", { method: "POST", body: quiet })).status).toBe(201);
      const kept = await call(first.url, "/silences", {
        method: "POST",
        body: JSON.stringify({ module: "Quiet", for: "1h", reason: "kept" }),
      });
      const ended = await call(first.url, "/silences", {
        method: "POST",
        body: JSON.stringify({ module: "Quiet", tags: ["edge"], for: "1h" }),
      });
      await call(first.url, `/silences/${ended.body.id}`, { method: "DELETE" });
      await first.stop();

      await using second = await startServer({
        dataDir: dir,
        port: 0,
        logger: "silent",
        token: server.token,
      });
      expect((await call(second.url, "/silences")).body).toEqual([kept.body]);
      expect(
        (await call(second.url, "/silences?all=true")).body.map((s: { id: string }) => s.id).sort(),
      ).toEqual([kept.body.id, ended.body.id].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("read-only tokens", () => {
  const wall = "wall-read-token-0123456789";

  it("read everything and write nothing: every write answers 403 and changes nothing", async () => {
    await api("/monitor", { method: "POST", body: moduleSource(monitor("Home"), "Read Only") });
    const before = (await api("/modules")).body;
    expect((await api("/modules", { token: wall })).body).toEqual(before);
    expect((await api("/monitors?module=Read%20Only", { token: wall })).status).toBe(200);
    const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${wall}` } });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await metrics.text()).toContain("# TYPE amstaff_samples_total counter");
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);

    const writes: [string, string][] = [
      ["POST", "/monitor"],
      ["POST", "/modules"],
      ["DELETE", "/modules/Read%20Only"],
      ["POST", "/modules/Read%20Only/rollback"],
      ["POST", "/monitors/Read%20Only/Home/ack"],
      ["POST", "/cluster/members"],
    ];
    for (const [method, path] of writes) {
      const body = method === "POST" ? moduleSource(monitor("Other"), "Read Only") : undefined;
      const refused = await api(path, { method, body, token: wall });
      expect(refused, `${method} ${path}`).toEqual({
        status: 403,
        body: {
          error: {
            code: "AMS_ERR_AUTH_ROLE",
            message:
              'Token "wall" has role read: it may only GET. Use a token with role operate, write or admin.',
            details: { token: "wall", team: "default", role: "read" },
          },
        },
      });
    }
    expect((await api("/modules")).body).toEqual(before);
  });

  it("are refused at start when a name or a value is also a read-write token's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amstaff-api-"));
    try {
      await expect(
        startServer({
          dataDir: dir,
          port: 0,
          logger: "silent",
          tokens: { ci: "x".repeat(20) },
          readTokens: { ci: "y".repeat(20) },
        }),
      ).rejects.toThrow(
        'Token name "ci" is used twice (a write token from the environment and a read token from the environment)',
      );
      await expect(
        startServer({
          dataDir: dir,
          port: 0,
          logger: "silent",
          tokens: { ci: "x".repeat(20) },
          readTokens: { ro: "x".repeat(20) },
        }),
      ).rejects.toThrow('Tokens "ci" and "ro" have the same value');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("GET /modules/:module/monitors/:monitor/samples", () => {
  const path = "/modules/Sample%20History/monitors/Front%20page/samples";

  it("returns the monitor's samples of the last 24 hours, oldest first, with failing ones' messages", async () => {
    target.statusOf.set("/front", 503);
    await api("/monitor", {
      method: "POST",
      body: moduleSource(monitor("Front page", "/front"), "Sample History"),
    });
    const page = await eventually(
      async () => {
        const { body } = await api(path);
        return body.samples?.length >= 2 ? body : undefined;
      },
      15_000,
      "two samples in the history",
    );
    target.statusOf.delete("/front");
    expect(page).toMatchObject({ module: "Sample History", monitor: "Front page", resolution: "raw" });
    expect(page.to - page.from).toBe(86_400_000);
    expect(Math.abs(page.to - Date.now())).toBeLessThan(60_000);
    const [first, second] = page.samples;
    expect(first).toMatchObject({ status: "critical", latencyMs: expect.any(Number) });
    expect(first.message).toContain("503");
    expect(second.t).toBeGreaterThanOrEqual(first.t);

    const bounded = await api(`${path}?from=${first.t}&to=${first.t}`);
    expect(bounded.body).toMatchObject({
      from: first.t,
      to: first.t,
      resolution: "raw",
      samples: [{ t: first.t }],
    });
  });

  it("answers with 5-minute buckets when the samples are over the limit", async () => {
    const { body } = await api(`${path}?limit=1`);
    expect(body.resolution).toBe("5m");
    expect(body.samples).toBeUndefined();
    const total = body.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0);
    expect(total).toBeGreaterThanOrEqual(2);
    expect(body.buckets[0]).toMatchObject({
      t: expect.any(Number),
      statuses: { ok: expect.any(Number), warning: 0, critical: expect.any(Number), unknown: 0 },
      latencyMs: { min: expect.any(Number), avg: expect.any(Number), max: expect.any(Number) },
    });
    expect(body.buckets[0].t % 300_000).toBe(0);
  });

  it("refuses bad parameters with a clear 400, and unknown modules and monitors with a 404", async () => {
    for (const query of ["from=yesterday", "to=-5", "limit=0", "limit=10001", "from=20&to=10", "form=1"]) {
      const { status, body } = await api(`${path}?${query}`);
      expect(status, query).toBe(400);
      expect(body.error.code).toBe("AMS_ERR_REQUEST_INVALID");
      expect(body.error.message).toMatch(/^Invalid query: /);
    }
    expect((await api(`${path}?from=${Date.now() + 86_400_000}`)).body.error.message).toContain(
      "from must not be after to",
    );
    expect((await api("/modules/Nope/monitors/Front%20page/samples")).status).toBe(404);
    const monitor404 = await api("/modules/Sample%20History/monitors/Nope/samples");
    expect(monitor404).toMatchObject({ status: 404, body: { error: { code: "AMS_ERR_MODULE_NOT_FOUND" } } });
    expect(monitor404.body.error.message).toContain('No monitor "Nope" in module "Sample History"');
    expect((await fetch(`${server.url}${path}`)).status).toBe(401);
  });
});
