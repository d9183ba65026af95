import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it, onTestFinished } from "vitest";
import { startReceiver, startTarget } from "./localServers.js";
import { eventually, ServerProcess } from "./serverProcess.js";

// Every value a server holds that must never come out of it: secrets (environment prefix and
// directory), API tokens of every kind, the cluster secret, Slack's signing secret.
const secrets = {
  hook: "leak-hook-secret-5b1e0c9a",
  probe: "leak-probe-secret-d41f7a22",
  unused: "leak-unused-secret-8c2d6e13",
  adminToken: "", // the ServerProcess' AMSTAFF_TOKEN, filled in below
  ciToken: "leak-ci-token-0c7f19e2b5a4",
  opsToken: "leak-ops-token-6a3e88d0c1f7",
  readToken: "leak-read-token-93b0e4d7a2c6",
  clusterSecret: "leak-cluster-secret-1f8e2d3c4b5a",
  slackSigningSecret: "leak-slack-signing-secret-77e1d0",
  // Tokens-file tokens (made by `amstaff-server token create` below), and the hashes the file keeps.
  payToken: "",
  searchToken: "",
  payHash: "",
  searchHash: "",
};

const serverCli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const run = promisify(execFile);

/** `amstaff-server token create`: the token is on stdout alone, and neither in stderr nor in the file. */
async function createToken(file: string, name: string, team: string, role: string): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, [
    serverCli,
    "token",
    "create",
    "--file",
    file,
    "--name",
    name,
    "--team",
    team,
    "--role",
    role,
  ]);
  const token = stdout.trim();
  expect(token).toMatch(/^ams_[\w-]{40,}$/);
  expect(stderr).not.toContain(token);
  expect(readFileSync(file, "utf8")).not.toContain(token);
  return token;
}

const moduleSource = (
  name: string,
  targetUrl: string,
  hookUrl: string,
) => `import { amstaff, every, secret } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff(${JSON.stringify(name)}, (m) => {
  m.monitor("Checkout", {
    sampler: httpGet({ url: "${targetUrl}/checkout", headers: { "x-probe-key": secret("PROBE_KEY") } }),
    timing: every("1s"),
    handlers: [
      webhook({ url: "${hookUrl}/hook", headers: { authorization: secret("HOOK_TOKEN") } }),
      webhook({ url: "${targetUrl}/failing-hook", headers: { authorization: secret("HOOK_TOKEN") } }),
    ],
  });
});
`;

describe("no secret or token ever leaves the server", () => {
  it("answers every endpoint and logs at debug level without one secret or token value", {
    timeout: 300_000,
  }, async () => {
    await using target = await startTarget();
    await using receiver = await startReceiver();
    const secretsDir = mkdtempSync(join(tmpdir(), "amstaff-leak-secrets-"));
    onTestFinished(() => rmSync(secretsDir, { recursive: true, force: true }));
    writeFileSync(join(secretsDir, "PROBE_KEY"), `${secrets.probe}\n`);
    writeFileSync(join(secretsDir, "UNUSED"), `${secrets.unused}\n`);
    writeFileSync(
      join(secretsDir, "grants.json"),
      JSON.stringify({ PROBE_KEY: { modules: ["Shop*"] }, UNUSED: { modules: ["Nobody"] } }),
    );
    const tokensFile = join(secretsDir, "tokens.json");
    secrets.payToken = await createToken(tokensFile, "pay-ci", "payments", "write");
    secrets.searchToken = await createToken(tokensFile, "search-ops", "search", "operate");
    for (const [hash, token] of [
      ["payHash", secrets.payToken],
      ["searchHash", secrets.searchToken],
    ] as const) {
      secrets[hash] = createHash("sha256").update(token).digest("hex");
      expect(readFileSync(tokensFile, "utf8")).toContain(secrets[hash]);
    }
    await using server = new ServerProcess(undefined, {
      args: ["--secrets-dir", secretsDir, "--log-level", "debug", "--tokens-file", tokensFile],
      env: {
        AMSTAFF_SECRET_HOOK_TOKEN: secrets.hook,
        AMSTAFF_SECRETS_GRANTS: '{ "HOOK_TOKEN": { "modules": ["Shop", "Shop 2"] } }',
        AMSTAFF_TOKENS: `ci=${secrets.ciToken},ops=${secrets.opsToken}`,
        AMSTAFF_READ_TOKENS: `grafana=${secrets.readToken}`,
        AMSTAFF_CLUSTER_SECRET: secrets.clusterSecret,
        AMSTAFF_SLACK_SIGNING_SECRET: secrets.slackSigningSecret,
      },
    });
    secrets.adminToken = server.token;
    await server.start();

    const bodies: string[] = [];
    const call = async (
      path: string,
      init: { method?: string; body?: string; token?: string | null } = {},
    ): Promise<{ status: number; text: string; json: any }> => {
      const token = init.token === undefined ? server.token : init.token;
      const response = await fetch(`${server.url}${path}`, {
        method: init.method ?? "GET",
        body: init.body,
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
        redirect: "manual",
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      bodies.push(
        `${init.method ?? "GET"} ${path} ${response.status}\n${JSON.stringify([...response.headers])}\n${text}`,
      );
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, text, json };
    };

    // Pushes: good ones (two revisions, so there is a history to roll back), a dry run, broken and hostile ones.
    target.statusOf.set("/checkout", 500);
    target.statusOf.set("/failing-hook", 500);
    const shop = moduleSource("Shop", target.url, receiver.url);
    expect((await call("/monitor", { method: "POST", body: shop, token: secrets.ciToken })).status).toBe(201);
    expect((await call("/monitor?dryRun=1", { method: "POST", body: shop.replace("1s", "2s") })).status).toBe(
      200,
    );
    // A new revision of an existing module answers 200.
    expect(
      (await call("/monitor", { method: "POST", body: shop.replace('every("1s")', 'every("2s")') })).status,
    ).toBe(200);
    expect(
      (await call("/modules", { method: "POST", body: moduleSource("Shop 2", target.url, receiver.url) }))
        .status,
    ).toBe(201);
    expect((await call("/monitor", { method: "POST", body: "export default 1 +* 2;\n" })).status).toBe(400);
    for (const name of [
      "AMSTAFF_TOKEN",
      "AMSTAFF_TOKENS",
      "AMSTAFF_READ_TOKENS",
      "AMSTAFF_CLUSTER_SECRET",
      "AMSTAFF_SLACK_SIGNING_SECRET",
      "UNUSED",
      "HOOK_TOKEN",
    ]) {
      const hostile = moduleSource("Thief", target.url, receiver.url).replace(
        'secret("HOOK_TOKEN")',
        `secret("${name}")`,
      );
      expect((await call("/monitor", { method: "POST", body: hostile })).status, name).toBe(400);
    }

    // A probe with a secret header, an alert delivered with a secret, a delivery failing with one.
    const alert = await eventually(
      () =>
        receiver.received.find(
          (r) => r.body?.transition?.to === "critical" && r.body?.transition?.module === "Shop",
        ),
      60_000,
      "the alert",
    );
    expect(alert.headers.authorization).toBe(secrets.hook);
    await eventually(
      async () =>
        (await call("/deliveries?module=Shop")).json.some((d: { lastError?: string }) => d.lastError)
          ? true
          : undefined,
      60_000,
      "a failed delivery attempt",
    );
    target.statusOf.set("/checkout", 200);
    await eventually(
      () =>
        receiver.received.find(
          (r) => r.body?.transition?.to === "ok" && r.body?.transition?.module === "Shop",
        ),
      60_000,
      "the recovery",
    );
    target.statusOf.set("/checkout", 500);
    await eventually(
      async () => ((await call("/monitors?module=Shop")).json[0]?.incident ? true : undefined),
      60_000,
      "a new incident",
    );

    // Every read endpoint, with each kind of token.
    const reads = [
      "/health",
      "/modules",
      "/modules/Shop",
      "/modules/Shop/history",
      "/modules/Shop/history/1",
      "/monitors",
      "/monitors?module=Shop&status=critical",
      "/modules/Shop/monitors/Checkout/samples",
      "/monitors/Shop/Checkout/transitions",
      "/deliveries",
      "/deliveries?module=Shop&monitor=Checkout",
      "/metrics",
      "/plugins",
      "/silences?all=true",
      "/overview",
      "/modules/Shop/monitors/Checkout",
      "/cluster",
    ];
    for (const path of reads) expect((await call(path)).status, path).toBe(200);
    for (const path of ["/monitors", "/metrics", "/deliveries"]) {
      expect((await call(path, { token: secrets.readToken })).status).toBe(200);
      expect((await call(path, { token: secrets.opsToken })).status).toBe(200);
    }
    // The dashboard's events stream: read its first chunk.
    const events = await fetch(`${server.url}/events`, {
      headers: { authorization: `Bearer ${server.token}` },
      signal: AbortSignal.timeout(30_000),
    });
    const reader = events.body!.getReader();
    const first = await reader.read();
    await reader.cancel();
    bodies.push(`GET /events ${events.status}\n${new TextDecoder().decode(first.value)}`);

    // Writes: silence, ack, rollback, delete.
    const silence = await call("/silences", {
      method: "POST",
      body: JSON.stringify({ module: "Shop 2", for: "1h" }),
    });
    expect(silence.status).toBe(201);
    expect(
      (await call(`/silences/${encodeURIComponent(silence.json.id)}`, { method: "DELETE" })).status,
    ).toBe(200);
    expect((await call("/monitors/Shop/Checkout/ack", { method: "POST", body: "{}" })).status).toBe(200);
    expect(
      (await call("/modules/Shop/rollback", { method: "POST", body: JSON.stringify({ revision: 1 }) }))
        .status,
    ).toBe(200);
    expect((await call("/modules/Shop%202", { method: "DELETE", token: secrets.ciToken })).status).toBe(200);

    // Teams: who am I, the audit (as admin and as a team), refusals of other teams' modules, moves.
    for (const token of [server.token, secrets.payToken, secrets.searchToken, secrets.readToken]) {
      expect((await call("/whoami", { token })).status).toBe(200);
      expect((await call("/audit?limit=2000", { token })).status).toBe(200);
    }
    expect((await call("/audit?team=payments", { token: secrets.searchToken })).status).toBe(403);
    expect((await call("/audit?limit=0")).status).toBe(400);
    expect((await call("/modules/Shop", { method: "DELETE", token: secrets.payToken })).status).toBe(403);
    expect(
      (await call("/monitors/Shop/Checkout/ack", { method: "POST", token: secrets.searchToken })).status,
    ).toBe(403);
    const team = (body: string, token = server.token) =>
      call("/modules/Shop/team", { method: "PUT", body, token });
    expect((await team('{"team":"search"}', secrets.payToken)).status).toBe(403);
    expect((await team("{not json")).status).toBe(400);
    expect((await team('{"team":"../etc"}')).status).toBe(400);
    expect((await team(JSON.stringify({ team: "x".repeat(2 * 1024 * 1024) }))).status).toBe(413);
    expect((await team('{"team":"search"}')).status).toBe(200);
    expect(
      (
        await call("/silences", {
          method: "POST",
          body: '{"module":"Shop","for":"1h"}',
          token: secrets.searchToken,
        })
      ).status,
    ).toBe(201);
    expect((await team('{"team":"default"}')).status).toBe(200);
    expect((await call("/audit?module=Shop")).json.length).toBeGreaterThan(3);

    // Errors of every kind.
    expect((await call("/monitors", { token: null })).status).toBe(401);
    expect((await call("/monitors", { token: `${secrets.adminToken}x` })).status).toBe(401);
    expect((await call("/monitors", { token: `sha256:${secrets.payHash}` })).status).toBe(401);
    expect((await call("/monitor", { method: "POST", body: shop, token: secrets.readToken })).status).toBe(
      403,
    );
    expect((await call("/modules/Nope")).status).toBe(404);
    expect((await call("/nope")).status).toBe(404);
    expect((await call("/silences", { method: "POST", body: "{not json" })).status).toBe(400);
    expect(
      (await call("/modules/Shop/rollback", { method: "POST", body: '{"revision":99}' })).status,
    ).toBeGreaterThanOrEqual(400);
    expect(
      (await call("/integrations/slack/actions", { method: "POST", body: "payload=%7B%7D", token: null }))
        .status,
    ).toBeGreaterThanOrEqual(400);
    // Public pages.
    expect((await call("/", { token: null })).status).toBe(302);
    expect((await call("/ui/", { token: null })).status).toBe(200);
    expect((await call("/status/tag/public", { token: null })).status).toBe(404);

    await server.stop();
    const output = server.output;
    // The sampler resolved PROBE_KEY (a probe that could not would be unknown, not the critical that
    // alerted), the handler HOOK_TOKEN; the checks below look at a real amount of text.
    expect(target.probes.length).toBeGreaterThan(0);
    expect(bodies.length).toBeGreaterThan(50);
    expect(output).toContain("delivery");
    const leaks: string[] = [];
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length).toBeGreaterThan(15);
      for (const body of bodies) if (body.includes(value)) leaks.push(`${name} in ${body.split("\n")[0]}`);
      if (output.includes(value)) leaks.push(`${name} in the server's output`);
    }
    expect(leaks).toEqual([]);
  });
});
