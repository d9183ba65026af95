import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenEntry } from "../src/access/tokensFile.js";
import { startReceiver, startTarget } from "./localServers.js";
import { eventually, ServerProcess } from "./serverProcess.js";

// The tokens matrix through a real server process: every role × every write × a module of the token's
// own team and of another team. A refusal answers 403 with the code that says why, and changes nothing.

const serverCli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const userCli = fileURLToPath(new URL("../dist/amstaffCli.js", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "amstaff-tokens-"));
const tokensFile = join(work, "tokens.json");
const target = await startTarget();
const receiver = await startReceiver();
target.statusOf.set("/down", 500);

type Role = "admin" | "write" | "operate" | "read";
const roles: Role[] = ["admin", "write", "operate", "read"];
const rank: Record<Role, number> = { read: 0, operate: 1, write: 2, admin: 3 };
/** Whose module a cell acts on: the token's team ("payments") or another ("search"). */
const relations = ["own", "other"] as const;
type Relation = (typeof relations)[number];
const teamOf = { own: "payments", other: "search" } as const;

// Every matrix token is of team payments.
const token = Object.fromEntries(
  roles.map((role) => [
    role,
    createTokenEntry(tokensFile, { name: `pay-${role}`, team: "payments", role }).token,
  ]),
) as Record<Role, string>;
const legacyWriter = "legacy-ci-token-0123456789";
const legacyReader = "legacy-wall-token-0123456789";

const server = new ServerProcess(undefined, {
  args: ["--tokens-file", tokensFile],
  env: {
    AMSTAFF_TOKENS: `ci=${legacyWriter}`,
    AMSTAFF_READ_TOKENS: `wall=${legacyReader}`,
    AMSTAFF_FAULT_INJECTION: "1",
  },
});

const moduleName = (role: Role, relation: Relation) => `M ${role} ${relation}`;
const enc = encodeURIComponent;
const source = (name: string, version = 1) => `import { amstaff, every } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";
import { webhook } from "@amstaff/handler-webhook";

// version ${version}
export default amstaff(${JSON.stringify(name)}, (m) => {
  m.monitor("Down", { sampler: httpGet({ url: "${target.url}/down" }), timing: every("2s"), handlers: [webhook({ url: "${receiver.url}/hook" })] });
});
`;

/** What a refused request must not change: modules, their teams and history, silences, acks, and the audit. */
async function fingerprint() {
  const modules = (await server.api("/modules")).body as { name: string }[];
  const histories = await Promise.all(
    modules.map(async (m) => (await server.api(`/modules/${enc(m.name)}/history`)).body),
  );
  const monitors = (await server.api("/monitors")).body as any[];
  return {
    modules,
    histories,
    silences: (await server.api("/silences?all=true")).body,
    // Sorted: /monitors lists failing monitors first, and new ones start failing at any time.
    acks: monitors
      .map((m) => [m.module, m.monitor, m.team, m.incident?.acknowledged ?? null])
      .sort((a, b) => `${a[0]}/${a[1]}`.localeCompare(`${b[0]}/${b[1]}`)),
    audit: (await server.api("/audit?limit=2000")).body,
  };
}

/** The outcome the rules give: allowed, or the code of the refusal. */
function expected(role: Role, relation: Relation | "any", needed: Role): "ok" | string {
  if (rank[role] < rank[needed]) return "AMS_ERR_AUTH_ROLE";
  if (role !== "admin" && relation === "other") return "AMS_ERR_AUTH_TEAM";
  return "ok";
}

/** Runs one cell: checks the status and, for a refusal, the code and that nothing changed. */
async function cell(
  what: string,
  role: Role,
  outcome: string,
  request: { path: string; method: string; body?: string },
  okStatus: number,
) {
  const before = outcome === "ok" ? undefined : await fingerprint();
  const answer = await server.api(request.path, { ...request, token: token[role] });
  const label = `${what} by pay-${role}: ${JSON.stringify(answer.body).slice(0, 300)}`;
  if (outcome === "ok") {
    expect(answer.status, label).toBe(okStatus);
    return answer;
  }
  expect(answer.status, label).toBe(403);
  expect(answer.body.error.code, label).toBe(outcome);
  expect(answer.body.error.message, label).toContain(`pay-${role}`);
  expect(await fingerprint(), `${what} by pay-${role} changed something`).toEqual(before);
  return answer;
}

const adminSilences = new Map<string, string>();

beforeAll(async () => {
  await server.start();
  // Two revisions of one module per cell, pushed by the admin for the cell's team, each failing.
  for (const role of roles) {
    for (const relation of relations) {
      const name = moduleName(role, relation);
      for (const version of [1, 2]) {
        const pushed = await server.api(`/monitor?team=${teamOf[relation]}`, {
          method: "POST",
          body: source(name, version),
        });
        expect(pushed.status, JSON.stringify(pushed.body)).toBe(version === 1 ? 201 : 200);
      }
    }
  }
  await eventually(
    async () => {
      const monitors = (await server.api("/monitors")).body as any[];
      return monitors.length === 8 && monitors.every((m) => m.incident !== null) ? true : undefined;
    },
    90_000,
    "every module's incident to open",
  );
  for (const role of roles) {
    for (const relation of relations) {
      const name = moduleName(role, relation);
      const silence = await server.api("/silences", {
        method: "POST",
        body: JSON.stringify({ module: name, for: "1h", reason: "set up by the admin" }),
      });
      expect(silence.status).toBe(201);
      adminSilences.set(name, silence.body.id);
    }
  }
}, 180_000);

afterAll(async () => {
  await server[Symbol.asyncDispose]();
  await target[Symbol.asyncDispose]();
  await receiver[Symbol.asyncDispose]();
  rmSync(work, { recursive: true, force: true });
});

describe("tokens: who may do what (real server process)", () => {
  it("tells each token who it is, and lets every token read every module with its team", async () => {
    for (const role of roles) {
      expect((await server.api("/whoami", { token: token[role] })).body).toEqual({
        name: `pay-${role}`,
        team: "payments",
        role,
      });
    }
    expect((await server.api("/whoami")).body).toEqual({ name: "admin", team: "default", role: "admin" });
    expect((await server.api("/whoami", { token: "not-a-token-0123456789" })).status).toBe(401);

    const modules = (await server.api("/modules", { token: token.read })).body as any[];
    expect(modules.map((m) => [m.name, m.team])).toContainEqual(["M read other", "search"]);
    expect((await server.api(`/modules/${enc("M write own")}`, { token: token.read })).body.team).toBe(
      "payments",
    );
    const search = (await server.api("/monitors?team=search", { token: token.read })).body as any[];
    expect(search).toHaveLength(4);
    expect(search.every((m) => m.team === "search")).toBe(true);
  });

  it("acknowledge: operate and above, own team's monitors only", async () => {
    for (const role of roles) {
      for (const relation of relations) {
        const name = moduleName(role, relation);
        await cell(
          `ack ${name}`,
          role,
          expected(role, relation, "operate"),
          { method: "POST", path: `/monitors/${enc(name)}/Down/ack`, body: "" },
          200,
        );
      }
    }
    const acked = ((await server.api("/monitors")).body as any[]).filter((m) => m.incident?.acknowledged);
    expect(acked.map((m) => [m.module, m.incident.acknowledged.by]).sort()).toEqual([
      ["M admin other", "pay-admin"],
      ["M admin own", "pay-admin"],
      ["M operate own", "pay-operate"],
      ["M write own", "pay-write"],
    ]);
  });

  it("silence and end a silence: operate and above, own team's modules only", async () => {
    for (const role of roles) {
      for (const relation of relations) {
        const name = moduleName(role, relation);
        const outcome = expected(role, relation, "operate");
        await cell(
          `silence ${name}`,
          role,
          outcome,
          { method: "POST", path: "/silences", body: JSON.stringify({ module: name, for: "30m" }) },
          201,
        );
        await cell(
          `unsilence ${name}`,
          role,
          outcome,
          { method: "DELETE", path: `/silences/${adminSilences.get(name)}` },
          200,
        );
      }
    }
  });

  it("a silence of every module reaches every team's: admin only", async () => {
    for (const role of roles) {
      const outcome = role === "admin" ? "ok" : role === "read" ? "AMS_ERR_AUTH_ROLE" : "AMS_ERR_AUTH_TEAM";
      const answer = await cell(
        "silence every module",
        role,
        outcome,
        { method: "POST", path: "/silences", body: JSON.stringify({ tags: ["nothing-has-it"], for: "10m" }) },
        201,
      );
      if (outcome === "ok") {
        await cell(
          "end the silence of every module",
          role,
          "ok",
          {
            method: "DELETE",
            path: `/silences/${answer.body.id}`,
          },
          200,
        );
      }
    }
    // An operate token may not end the admin's silence of every module either.
    const all = await server.api("/silences", {
      method: "POST",
      body: JSON.stringify({ tags: ["nothing-has-it"], for: "10m" }),
    });
    await cell(
      "end a silence of every module",
      "operate",
      "AMS_ERR_AUTH_TEAM",
      {
        method: "DELETE",
        path: `/silences/${all.body.id}`,
      },
      200,
    );
  });

  it("push over, roll back and delete a module: write and above, own team's only", async () => {
    for (const role of roles) {
      for (const relation of relations) {
        const name = moduleName(role, relation);
        const outcome = expected(role, relation, "write");
        await cell(
          `push over ${name}`,
          role,
          outcome,
          { method: "POST", path: "/monitor", body: source(name, 3) },
          200,
        );
        await cell(
          `dry-run push of ${name}`,
          role,
          outcome,
          {
            method: "POST",
            path: "/monitor?dryRun=true",
            body: source(name, 4),
          },
          200,
        );
        await cell(
          `roll back ${name}`,
          role,
          outcome,
          {
            method: "POST",
            path: `/modules/${enc(name)}/rollback`,
            body: "",
          },
          200,
        );
        await cell(`delete ${name}`, role, outcome, { method: "DELETE", path: `/modules/${enc(name)}` }, 200);
      }
    }
    // A module keeps its team after an admin's push, and the history names the token and its team.
    const history = (await server.api(`/modules/${enc("M write own")}/history`)).body;
    expect(
      history.revisions.map((r: any) => [
        r.revision,
        r.pushedBy,
        r.pushedByTeam ?? null,
        r.rollbackOf ?? null,
      ]),
    ).toEqual([
      [4, "pay-write", "payments", 2],
      [3, "pay-write", "payments", null],
      [2, "admin", "default", null],
      [1, "admin", "default", null],
    ]);
    expect((await server.api(`/modules/${enc("M admin other")}/history`)).body.revisions[0]).toMatchObject({
      pushedBy: "pay-admin",
      pushedByTeam: "payments",
    });
    // Deleted, yet still its team's: another team may neither push it back nor roll it back.
    const answer = await server.api(`/modules/${enc("M admin other")}/rollback`, {
      method: "POST",
      body: "",
      token: token.write,
    });
    expect(answer).toMatchObject({ status: 403, body: { error: { code: "AMS_ERR_AUTH_TEAM" } } });
  });

  it("push a new module: write and above; only an admin names another team", async () => {
    for (const role of roles) {
      for (const relation of relations) {
        const name = `New ${role} ${relation}`;
        const outcome =
          rank[role] < rank.write
            ? "AMS_ERR_AUTH_ROLE"
            : role !== "admin" && relation === "other"
              ? "AMS_ERR_AUTH_TEAM"
              : "ok";
        const answer = await cell(
          `push ${name}`,
          role,
          outcome,
          {
            method: "POST",
            path: relation === "other" ? "/monitor?team=search" : "/monitor",
            body: source(name),
          },
          201,
        );
        if (outcome === "ok") expect(answer.body.team).toBe(teamOf[relation]);
      }
    }
    const modules = (await server.api("/modules")).body as any[];
    expect(modules.filter((m) => m.name.startsWith("New ")).map((m) => [m.name, m.team])).toEqual([
      ["New admin other", "search"],
      ["New admin own", "payments"],
      ["New write own", "payments"],
    ]);
  });

  it("move a module to another team, change cluster membership or inject faults: admin only", async () => {
    for (const role of roles) {
      const outcome = role === "admin" ? "ok" : "AMS_ERR_AUTH_ROLE";
      await cell(
        "move a module",
        role,
        outcome,
        {
          method: "PUT",
          path: `/modules/${enc("New write own")}/team`,
          body: JSON.stringify({ team: role === "admin" ? "search" : "payments" }),
        },
        200,
      );
      await cell(
        "fault injection",
        role,
        outcome,
        {
          method: "POST",
          path: "/cluster/fault",
          body: JSON.stringify({ isolated: false }),
        },
        200,
      );
      if (outcome === "ok") {
        // The audit entry of a cluster change is written after the answer: wait for it before the next
        // cell compares the state.
        await eventually(
          async () =>
            ((await server.api("/audit?limit=5")).body as any[]).some(
              (e) => e.action === "POST /cluster/fault",
            )
              ? true
              : undefined,
          15_000,
          "the fault injection's audit entry",
        );
      } else {
        await cell(
          "add a cluster member",
          role,
          outcome,
          {
            method: "POST",
            path: "/cluster/members",
            body: JSON.stringify({ id: "d", raftAddress: "127.0.0.1:9" }),
          },
          200,
        );
        await cell(
          "remove a cluster member",
          role,
          outcome,
          { method: "DELETE", path: "/cluster/members/d" },
          200,
        );
      }
    }
    // Moved: its former team's write token may no longer touch it.
    expect((await server.api(`/modules/${enc("New write own")}`)).body.team).toBe("search");
    const answer = await server.api(`/modules/${enc("New write own")}`, {
      method: "DELETE",
      token: token.write,
    });
    expect(answer).toMatchObject({ status: 403, body: { error: { code: "AMS_ERR_AUTH_TEAM" } } });
  });

  it("records every write with the token's name and team; a team token sees its own team's entries only", async () => {
    const all = (await server.api("/audit?limit=2000")).body as any[];
    const actions = all.map((e) => `${e.action} ${e.target ?? ""} ${e.actor.name}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        "incident.ack M operate own pay-operate",
        "module.push M write own pay-write",
        "module.rollback M write own pay-write",
        "module.delete M write own pay-write",
        "module.team New write own pay-admin",
        "POST /cluster/fault  pay-admin",
      ]),
    );
    const ack = all.find((e) => e.action === "incident.ack" && e.target === "M operate own");
    expect(ack).toMatchObject({
      actor: { name: "pay-operate", team: "payments", role: "operate" },
      teams: ["payments"],
    });
    // Nothing refused is in the audit.
    expect(all.filter((e) => e.actor.name === "pay-read")).toEqual([]);
    expect(all.some((e) => e.target === "M write other" && e.actor.name === "pay-write")).toBe(false);

    const mine = (await server.api("/audit?limit=2000", { token: token.read })).body as any[];
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.length).toBeLessThan(all.length);
    for (const entry of mine) {
      expect(entry.teams.includes("payments") || entry.actor.team === "payments", JSON.stringify(entry)).toBe(
        true,
      );
    }
    expect(mine.some((e) => e.target === "M admin other" && e.actor.name === "admin")).toBe(false);
    expect(await server.api("/audit?team=search", { token: token.read })).toMatchObject({
      status: 403,
      body: { error: { code: "AMS_ERR_AUTH_TEAM" } },
    });
    expect(
      (await server.api("/audit?module=M%20write%20own")).body.every((e: any) => e.target === "M write own"),
    ).toBe(true);
  });

  it("keeps AMSTAFF_TOKENS working as write tokens of team default, with a start-up warning, and AMSTAFF_READ_TOKENS as read", async () => {
    expect(server.output).toContain(
      'AMSTAFF_TOKENS: these tokens are now role \\"write\\" of team \\"default\\"',
    );
    expect((await server.api("/whoami", { token: legacyWriter })).body).toEqual({
      name: "ci",
      team: "default",
      role: "write",
    });
    expect((await server.api("/whoami", { token: legacyReader })).body).toEqual({
      name: "wall",
      team: "default",
      role: "read",
    });
    const pushed = await server.api("/monitor", {
      method: "POST",
      body: source("Legacy"),
      token: legacyWriter,
    });
    expect(pushed).toMatchObject({ status: 201, body: { team: "default" } });
    expect(await server.api("/cluster/members/d", { method: "DELETE", token: legacyWriter })).toMatchObject({
      status: 403,
      body: { error: { code: "AMS_ERR_AUTH_ROLE" } },
    });
    expect(
      await server.api(`/modules/${enc("New admin own")}`, { method: "DELETE", token: legacyWriter }),
    ).toMatchObject({ status: 403, body: { error: { code: "AMS_ERR_AUTH_TEAM" } } });
    expect(await server.api("/modules/Legacy", { method: "DELETE", token: legacyReader })).toMatchObject({
      status: 403,
      body: { error: { code: "AMS_ERR_AUTH_ROLE" } },
    });
  });

  it("amstaff-server token create adds a hashed token the running server accepts, and revoke removes it", async () => {
    // Asynchronous: a blocked event loop would leave this process's idle keep-alive connection to the
    // server closed under its next request.
    const run = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [serverCli, "token", ...args, "--file", tokensFile],
          { encoding: "utf8", timeout: 60_000 },
          (error, stdout, stderr) => resolve({ status: error ? (error.code as number) : 0, stdout, stderr }),
        );
      });
    const created = await run(["create", "--name", "late", "--team", "search", "--role", "operate"]);
    expect(created.status, created.stderr).toBe(0);
    const late = created.stdout.trim();
    expect(late).toMatch(/^ams_/);
    expect(created.stderr).toContain('Added token "late" (team search, role operate)');
    expect(readFileSync(tokensFile, "utf8")).not.toContain(late);
    await eventually(
      async () => ((await server.api("/whoami", { token: late })).status === 200 ? true : undefined),
      15_000,
      "the server to accept the new token",
    );
    const listed = await run(["list"]);
    expect(listed.stdout).toMatch(/late\s+search\s+operate/);
    expect(listed.stdout).not.toContain("sha256");
    expect((await run(["create", "--name", "late", "--team", "x", "--role", "read"])).stderr).toContain(
      "already in",
    );

    expect((await run(["revoke", "--name", "late"])).status).toBe(0);
    await eventually(
      async () => ((await server.api("/whoami", { token: late })).status === 401 ? true : undefined),
      15_000,
      "the server to refuse the revoked token",
    );
    // No token value is ever logged, however it was used or refused.
    for (const value of [late, ...Object.values(token), legacyWriter, legacyReader]) {
      expect(server.output).not.toContain(value);
    }
  }, 180_000);

  it("amstaff whoami, ls and audit show the token, the teams and the writers", () => {
    const amstaff = (args: string[]) =>
      spawnSync(process.execPath, [userCli, ...args], {
        env: { ...process.env, AMSTAFF_URL: server.url, AMSTAFF_TOKEN: token.write, XDG_CONFIG_HOME: work },
        cwd: work,
        encoding: "utf8",
        timeout: 60_000,
      });
    const whoami = amstaff(["whoami"]);
    expect(whoami.stdout.trim(), whoami.stderr).toBe("pay-write (team payments, role write)");
    const ls = amstaff(["ls"]);
    expect(ls.stdout).toMatch(/MODULE\s+TEAM\s+REV/);
    expect(ls.stdout).toMatch(/New admin other\s+search\s+1/);
    const audit = amstaff(["audit", "--module", "M write own"]);
    expect(audit.stdout).toContain("pay-write (payments)");
    const refused = amstaff(["rm", "M write other"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('belongs to team "search"');
  }, 180_000);

  it("keeps every module's team and the audit across a restart", async () => {
    const modules = (await server.api("/modules")).body as any[];
    const audit = (await server.api("/audit?limit=2000")).body;
    expect(await server.stop()).toBe(0);
    await server.start();
    expect(((await server.api("/modules")).body as any[]).map((m) => [m.name, m.team])).toEqual(
      modules.map((m) => [m.name, m.team]),
    );
    expect((await server.api("/audit?limit=2000")).body).toEqual(audit);
    const refused = await server.api(`/modules/${enc("M write other")}`, {
      method: "DELETE",
      token: token.write,
    });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "AMS_ERR_AUTH_TEAM" } } });
  }, 120_000);
});
