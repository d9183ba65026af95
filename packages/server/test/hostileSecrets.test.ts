import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenEntry } from "../src/access/tokensFile.js";
import { startReceiver, startTarget } from "./localServers.js";
import { eventually, ServerProcess } from "./serverProcess.js";

// Hostile modules try to read the server's own settings and other teams' secrets through secret("NAME"):
// each is refused at push, at the builder call, with the reason; a granted secret is delivered.
const clusterSecret = "hostile-cluster-secret-0123456789";
const hookToken = "granted-hook-token-4f1c2a";
const dirToken = "granted-dir-token-9e7b3d";
const otherToken = "other-team-token-77aa01";

const target = await startTarget();
const receiver = await startReceiver();
const secretsDir = mkdtempSync(join(tmpdir(), "amstaff-hostile-secrets-"));
const grantsFile = join(secretsDir, "grants.json");
// Two teams' write tokens: TEAM_TOKEN is granted to the payments team only.
const tokensDir = mkdtempSync(join(tmpdir(), "amstaff-hostile-tokens-"));
const tokensFile = join(tokensDir, "tokens.json");
const payments = createTokenEntry(tokensFile, { name: "pay-ci", team: "payments", role: "write" }).token;
const search = createTokenEntry(tokensFile, { name: "search-ci", team: "search", role: "write" }).token;
const teamToken = "payments-team-token-5d20c8";
let server: ServerProcess;

function writeGrants(grants: unknown, at: number): void {
  writeFileSync(grantsFile, JSON.stringify(grants));
  // Distinct modification times, so the store sees each edit however fast the test writes them.
  utimesSync(grantsFile, at, at);
}

beforeAll(async () => {
  writeFileSync(join(secretsDir, "DIR_TOKEN"), `${dirToken}\n`);
  writeGrants(
    {
      HOOK_TOKEN: { modules: ["Hooks"] },
      DIR_TOKEN: { modules: ["Hook*"] },
      OTHER_TOKEN: { modules: ["Other Team"] },
      HOME: { teams: ["nobody-has-this-team"] },
      TEAM_TOKEN: { teams: ["payments"] },
    },
    1_000,
  );
  server = new ServerProcess(undefined, {
    args: ["--secrets-dir", secretsDir, "--tokens-file", tokensFile],
    env: {
      AMSTAFF_SECRET_TEAM_TOKEN: teamToken,
      AMSTAFF_CLUSTER_SECRET: clusterSecret,
      AMSTAFF_SECRET_HOOK_TOKEN: hookToken,
      AMSTAFF_SECRET_OTHER_TOKEN: otherToken,
    },
  });
  await server.start();
}, 120_000);

afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
  await target[Symbol.asyncDispose]();
  await receiver[Symbol.asyncDispose]();
  rmSync(secretsDir, { recursive: true, force: true });
  rmSync(tokensDir, { recursive: true, force: true });
});

const moduleWith = (name: string, headers: string) => `import { amstaff, every, secret } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff(${JSON.stringify(name)}, (m) => {
  m.monitor("Health", {
    sampler: httpGet({ url: "${target.url}/hooks-health" }),
    timing: every("1s"),
    handlers: [webhook({ url: "${receiver.url}/hook", headers: ${headers} })],
  });
});
`;

/** Where a `needle` starts in `source`, 1-based. */
function positionOf(source: string, needle: string): { line: number; column: number } {
  const before = source.slice(0, source.indexOf(needle)).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

describe("hostile modules and secret(...)", () => {
  it.each([
    ["AMSTAFF_TOKEN", "can never be used: names starting with AMSTAFF_ are the server's own settings"],
    [
      "AMSTAFF_CLUSTER_SECRET",
      "can never be used: names starting with AMSTAFF_ are the server's own settings",
    ],
    ["HOME", 'is not granted to module "Thief"'],
    ["OTHER_TOKEN", 'is not granted to module "Thief"'],
  ])(
    "refuses secret(%j) at push, at the builder call, with the reason",
    { timeout: 60_000 },
    async (name, reason) => {
      const source = moduleWith("Thief", `{ authorization: secret(${JSON.stringify(name)}) }`);
      const refused = await server.api("/monitor", { method: "POST", body: source });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toHaveLength(1);
      expect(refused.body.errors[0]).toMatchObject({
        code: "validation",
        ...positionOf(source, "webhook({"),
        message: expect.stringContaining(`webhook(): secret("${name}") ${reason}`),
      });
      const text = JSON.stringify(refused.body);
      for (const value of [
        server.token,
        clusterSecret,
        otherToken,
        process.env.HOME ?? "/nonexistent-home",
      ]) {
        expect(text).not.toContain(value);
      }
      expect((await server.api("/modules")).body.map((m: { name: string }) => m.name)).not.toContain("Thief");
    },
  );

  it("applies a grant to a team to that team's modules only, at push and at run time", {
    timeout: 120_000,
  }, async () => {
    target.statusOf.set("/hooks-health", 500);
    const source = (name: string) => moduleWith(name, `{ authorization: secret("TEAM_TOKEN") }`);
    const stolen = await server.api("/monitor", { method: "POST", body: source("Search"), token: search });
    expect(stolen.status).toBe(400);
    expect(stolen.body.errors[0].message).toContain('secret("TEAM_TOKEN") is not granted to module "Search"');
    expect(JSON.stringify(stolen.body)).not.toContain(teamToken);

    const pushed = await server.api("/monitor", {
      method: "POST",
      body: source("Checkout"),
      token: payments,
    });
    expect(pushed.status).toBe(201);
    const alert = await eventually(
      () =>
        receiver.received.find(
          (r) => r.body?.transition?.to === "critical" && r.body?.transition?.module === "Checkout",
        ),
      30_000,
      "the critical notification of the payments team's module",
    );
    expect(alert.headers.authorization).toBe(teamToken);

    // An admin gives the module to another team: its running monitor no longer gets the secret.
    const moved = await server.api("/modules/Checkout/team", {
      method: "PUT",
      body: JSON.stringify({ team: "search" }),
    });
    expect(moved.status).toBe(200);
    target.statusOf.set("/hooks-health", 200);
    const refused = await eventually(
      async () =>
        (await server.api("/deliveries?module=Checkout")).body.find((d: { lastError?: string }) =>
          d.lastError?.includes("AMS_ERR_SECRET_NOT_GRANTED"),
        ),
      30_000,
      "the resolve refused its secret once the module is another team's",
    );
    expect(refused.lastError).not.toContain(teamToken);
    expect((await server.api("/modules/Checkout", { method: "DELETE" })).status).toBe(200);
  });

  it("does not let a team claim a secret granted by module name by naming its own module so", {
    timeout: 60_000,
  }, async () => {
    // DIR_TOKEN is granted to modules "Hook*": team default's (the operators'). A module's name is whatever
    // the team that pushes it first chooses, so a name grant must not reach another team's new module.
    for (const [token, team] of [
      [search, "search"],
      [payments, "payments"],
    ] as const) {
      const source = moduleWith("Hookshot", `{ authorization: secret("DIR_TOKEN") }`);
      const claimed = await server.api("/monitor", { method: "POST", body: source, token });
      expect(claimed.status).toBe(400);
      expect(claimed.body.errors[0]).toMatchObject({
        ...positionOf(source, "webhook({"),
        message: expect.stringContaining(
          `secret("DIR_TOKEN") is not granted to module "Hookshot" or team "${team}"`,
        ),
      });
      // What to grant instead names the team.
      expect(claimed.body.errors[0].message).toContain(`"modules": ["${team}/Hookshot"]`);
      expect(JSON.stringify(claimed.body)).not.toContain(dirToken);
    }
    expect((await server.api("/modules")).body.map((m: { name: string }) => m.name)).not.toContain(
      "Hookshot",
    );
  });

  it("delivers a granted secret (from the environment prefix and the directory) to the module's receiver, and fails the delivery once the grant is revoked", {
    timeout: 120_000,
  }, async () => {
    target.statusOf.set("/hooks-health", 500);
    const source = moduleWith(
      "Hooks",
      `{ authorization: secret("HOOK_TOKEN"), "x-dir": secret("DIR_TOKEN") }`,
    );
    const pushed = await server.api("/monitor", { method: "POST", body: source });
    expect(pushed.status).toBe(201);
    // Only the names are stored and shown, never the values.
    expect(JSON.stringify((await server.api("/modules/Hooks")).body)).not.toContain(hookToken);

    const alert = await eventually(
      () =>
        receiver.received.find(
          (r) => r.body?.transition?.to === "critical" && r.body?.transition?.module === "Hooks",
        ),
      30_000,
      "the critical notification",
    );
    expect(alert.headers.authorization).toBe(hookToken);
    expect(alert.headers["x-dir"]).toBe(dirToken);

    // The operator revokes the grant after the push: the next delivery fails, naming the secret only.
    writeGrants({ DIR_TOKEN: { modules: ["Hook*"] } }, 2_000);
    const received = receiver.received.length;
    target.statusOf.set("/hooks-health", 200);
    const failing = await eventually(
      async () =>
        (await server.api("/deliveries?module=Hooks")).body.find((d: { lastError?: string }) =>
          d.lastError?.includes("AMS_ERR_SECRET_NOT_GRANTED"),
        ),
      30_000,
      "a delivery refused its secret",
    );
    expect(failing.lastError).toContain('secret("HOOK_TOKEN") is not granted to module "Hooks"');
    expect(failing.lastError).not.toContain(hookToken);
    expect(receiver.received.slice(received).filter((r) => r.body?.transition?.module === "Hooks")).toEqual(
      [],
    );
    expect(server.output).not.toContain(hookToken);
    expect(server.output).not.toContain(dirToken);
  });

  it("warns once at start, by name, about a stored module's secret that is still a plain variable", {
    timeout: 180_000,
  }, async () => {
    const legacyValue = "legacy-plain-value-31337";
    const source = moduleWith(
      "Legacy",
      `{ authorization: secret("LEGACY_TOKEN"), "x-again": secret("LEGACY_TOKEN") }`,
    );
    const first = new ServerProcess(undefined, {
      env: {
        AMSTAFF_SECRET_LEGACY_TOKEN: legacyValue,
        AMSTAFF_SECRETS_GRANTS: '{ "LEGACY_TOKEN": { "modules": ["Legacy"] } }',
      },
    });
    // Started again the old way, on the same data: the secret as a plain variable, no store. Disposing
    // of it stops it and removes the data directory, whatever fails first.
    await using again = new ServerProcess(first.dataDir, { env: { LEGACY_TOKEN: legacyValue } });
    try {
      await first.start();
      expect((await first.api("/monitor", { method: "POST", body: source })).status).toBe(201);
    } finally {
      await first.stop();
    }
    await again.start();
    const lines = () =>
      again.output.split("\n").filter((line) => line.includes('"secretName":"LEGACY_TOKEN"'));
    await eventually(() => (lines().length > 0 ? true : undefined), 15_000, "the warning");
    const warnings = lines();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("Move it to AMSTAFF_SECRET_LEGACY_TOKEN");
    expect(warnings[0]).toContain('{ \\"LEGACY_TOKEN\\": { \\"modules\\": [\\"Legacy\\"] } }');
    expect(again.output).not.toContain(legacyValue);
  });

  it("refuses to start with broken grants, saying what is wrong and what to write", {
    timeout: 120_000,
  }, async () => {
    await using broken = new ServerProcess(undefined, {
      env: {
        AMSTAFF_SECRETS_GRANTS: '{ "AMSTAFF_TOKEN": { "modules": ["*"] }, "HOOK": { "module": ["x"] } }',
      },
    });
    const started = await broken.start().then(
      () => "started",
      (error: Error) => error.message,
    );
    expect(started).toContain("The secret grants in AMSTAFF_SECRETS_GRANTS are invalid");
    expect(started).toContain("AMSTAFF_TOKEN: names starting with AMSTAFF_ are the server's own settings");
    expect(started).toContain('Write { "SECRET_NAME": { "modules": ["Module name"], "teams": ["team"] } }');
  });
});
