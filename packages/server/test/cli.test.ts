import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerProcess } from "./serverProcess.js";

const cli = fileURLToPath(new URL("../dist/amstaffCli.js", import.meta.url));
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "amstaff-cli-"));
const server = new ServerProcess();

const moduleFile = (monitors: string[]) => `import { amstaff, every } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("User Service", (m) => {
${monitors.map((name) => `  m.monitor(${JSON.stringify(name)}, { sampler: httpGet({ url: "http://127.0.0.1:9/health" }), timing: every("1m") });`).join("\n")}
});
`;

function amstaff(args: string[], env: Record<string, string> = {}, cwd = work) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd,
    env: {
      ...process.env,
      AMSTAFF_URL: server.url,
      AMSTAFF_TOKEN: server.token,
      // Each check here is a cold one in its own process (checkDaemon.test.ts covers the daemon).
      AMSTAFF_CHECK_DAEMON: "0",
      XDG_CONFIG_HOME: join(work, ".config"),
      ...env,
    },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build the server first (pnpm build).`);
  await server.start();
  writeFileSync(join(work, "v1.ts"), moduleFile(["Health"]));
  writeFileSync(join(work, "v2.ts"), moduleFile(["Health", "Login"]));
  writeFileSync(join(work, "broken.ts"), moduleFile(["Health"]).replace('every("1m")', 'every("1 minute")'));
}, 30_000);

afterAll(async () => {
  await server[Symbol.asyncDispose]();
  rmSync(work, { recursive: true, force: true });
});

// Each step runs the real binary: a fresh Node process per command.
describe("the amstaff CLI against a real server", { timeout: 120_000 }, () => {
  it("checks files offline with the server's errors and CI-friendly exit codes", () => {
    expect(amstaff(["check", "v1.ts"])).toMatchObject({
      code: 0,
      out: expect.stringContaining('module "User Service", 1 monitor'),
    });
    const broken = amstaff(["check", "broken.ts"]);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/broken\.ts:5:\d+ - error: .*1 minute/);
    expect(amstaff(["check"]).code).toBe(2);
    expect(amstaff(["frobnicate"])).toMatchObject({
      code: 2,
      err: expect.stringContaining('unknown command "frobnicate"'),
    });
    expect(amstaff(["check", "missing.ts"])).toMatchObject({
      code: 2,
      err: expect.stringContaining("cannot read missing.ts"),
    });
  });

  it("pushes with a diff, keeps a history, rolls back, removes and restores", () => {
    const dry = amstaff(["push", "v1.ts", "--dry-run"]);
    expect(dry).toMatchObject({ code: 0, out: expect.stringContaining("dry run") });
    expect(dry.out).toContain("+ Health");
    expect(amstaff(["ls"]).out).toContain("no modules yet");

    expect(amstaff(["push", "v1.ts"]).out).toContain("User Service is at revision 1");
    expect(amstaff(["push", "v1.ts"]).out).toContain("unchanged (revision 1)");
    const second = amstaff(["push", "v2.ts"]);
    expect(second.out).toContain("revision 2");
    expect(second.out).toContain("+ Login");

    const ls = amstaff(["ls"]).out;
    expect(ls).toMatch(/MODULE\s+TEAM\s+REV\s+MONITORS/);
    expect(ls).toMatch(/User Service\s+default\s+2\s+2\s+.*admin/);
    expect(amstaff(["status"]).out).toMatch(/User Service\s+default\s+(Health|Login)/);
    expect(JSON.parse(amstaff(["status", "User Service", "--json"]).out)).toHaveLength(2);

    const history = amstaff(["history", "User Service"]).out.trim().split("\n");
    expect(history).toHaveLength(3);
    expect(history[1]).toMatch(/^\*2\s+[0-9a-f]{12}\s/);

    expect(amstaff(["rollback", "User Service"]).out).toContain("re-applied revision 1, now revision 3");
    expect(JSON.parse(amstaff(["status", "--json"]).out)).toHaveLength(1);

    expect(amstaff(["rm", "User Service"]).code).toBe(0);
    expect(amstaff(["ls"]).out).toContain("no modules yet");
    expect(amstaff(["rollback", "User Service", "2"]).out).toContain("re-applied revision 2, now revision 4");
    expect(amstaff(["rollback", "User Service", "99"])).toMatchObject({
      code: 1,
      err: expect.stringContaining("no revision 99"),
    });
  });

  it("refuses a broken push with the position, and says so clearly when the server cannot be reached or refuses the token", () => {
    const broken = amstaff(["push", "broken.ts"]);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/module\.ts:5:\d+ - error:/);
    expect(amstaff(["ls"], { AMSTAFF_TOKEN: "wrong" })).toMatchObject({
      code: 3,
      err: expect.stringContaining("Missing or wrong token"),
    });
    const down = amstaff(["ls", "--server", "http://127.0.0.1:9"]);
    expect(down.code).toBe(3);
    expect(down.err).toContain("cannot reach http://127.0.0.1:9");
  });

  it("reads the server and token from a config file", () => {
    writeFileSync(join(work, ".amstaff.json"), JSON.stringify({ server: server.url, token: server.token }));
    expect(amstaff(["ls"], { AMSTAFF_URL: "", AMSTAFF_TOKEN: "" }).code).toBe(0);
    writeFileSync(join(work, ".amstaff.json"), "{ not json");
    expect(amstaff(["ls"], { AMSTAFF_URL: "", AMSTAFF_TOKEN: "" })).toMatchObject({
      code: 3,
      err: expect.stringContaining("is not valid JSON"),
    });
    rmSync(join(work, ".amstaff.json"));
  });

  it("scaffolds a module that compiles", () => {
    const init = amstaff(["init", "Billing API"]);
    expect(init.out).toContain("created  monitoring/billing-api.ts");
    expect(readFileSync(join(work, "monitoring", "tsconfig.json"), "utf8")).toContain('"strict": true');
    expect(amstaff(["init", "Billing API"]).out).toContain("exists   monitoring/billing-api.ts");
    expect(amstaff(["check", "monitoring/billing-api.ts"]).code).toBe(0);
    expect(init.out).toContain("created  monitoring/billing-api.alerts.test.ts");
  });

  it("runs the scaffold's alert test offline with amstaff test, and fails on a wrong expectation", () => {
    // Inside the package, so the scaffold's imports resolve as in a project that installed Amstaff.
    const project = mkdtempSync(join(packageDir, ".init-"));
    try {
      expect(amstaff(["init", "Billing API"], {}, project).code).toBe(0);
      const passed = amstaff(["test"], {}, project);
      expect(passed.code, passed.out + passed.err).toBe(0);
      expect(passed.out).toMatch(/pass 1/);
      const test = join(project, "monitoring", "billing-api.alerts.test.ts");
      writeFileSync(test, readFileSync(test, "utf8").replace('"+5m critical → ok"', '"+6m critical → ok"'));
      const failed = amstaff(["test", "monitoring/*.alerts.test.ts", "--reporter", "tap"], {}, project);
      expect(failed.code).toBe(1);
      expect(failed.out).toMatch(/not ok 1 - notifies once/);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it("shows the cluster: a single node is a cluster of one that leads and owns the modules", () => {
    expect(amstaff(["push", "v1.ts"]).code).toBe(0);
    const shown = amstaff(["cluster"]);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/^NODE\s+ROLE\s+HEALTH\s+API\s+MODULES$/m);
    expect(shown.out).toMatch(/leader\s+up\s+http:\/\/127\.0\.0\.1:\d+\s+User Service/);
    expect(amstaff(["cluster", "add", "x"]).code).toBe(2);
  });

  it("silences a monitor, lists silences, shows the suppression in status, and ends it", () => {
    expect(amstaff(["push", "v2.ts"]).code).toBe(0);
    expect(amstaff(["--help"]).out).toMatch(/silence <module> --for 2h/);
    expect(amstaff(["help", "silence"]).out).toContain("--all-modules");

    const silenced = amstaff([
      "silence",
      "User Service",
      "--monitor",
      "Health",
      "--monitor",
      "Login",
      "--for",
      "2h",
      "--reason",
      "database migration",
      "--by",
      "carol",
    ]);
    expect(silenced).toMatchObject({ code: 0, err: "" });
    expect(silenced.out).toMatch(
      /^✔ silenced User Service \/ Health, Login until \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(in (1h59m|2h)\)$/m,
    );
    const id = /id ([0-9a-f]{8}): amstaff unsilence \1 ends it/.exec(silenced.out)?.[1];
    expect(id).toBeDefined();
    const everywhere = amstaff(["silence", "--all-modules", "--tag", "edge", "--for", "30m"]);
    expect(everywhere.out).toContain("✔ silenced every module #edge until");
    // A maintenance: a silence that starts later (listed with --all until it starts).
    const start = new Date(Date.now() + 86_400_000).toISOString();
    const maintenance = amstaff(["silence", "User Service", "--from", start, "--for", "1h"]);
    expect(maintenance.out).toMatch(
      /✔ scheduled a silence of User Service from \S+ \S+Z \(in (23h59m|1d)\) until/,
    );
    const scheduled = /id ([0-9a-f]{8})/.exec(maintenance.out)?.[1];
    expect(amstaff(["unsilence", scheduled!]).code).toBe(0);

    expect(amstaff(["silence", "User Service"])).toMatchObject({
      code: 2,
      err: expect.stringContaining("give --for <duration> or --until <date>"),
    });
    expect(amstaff(["silence", "--for", "1h"])).toMatchObject({
      code: 2,
      err: expect.stringContaining("give a module, or --all-modules"),
    });
    expect(amstaff(["silence", "User Service", "--monitor", "Nope", "--for", "1h"])).toMatchObject({
      code: 1,
      err: expect.stringContaining('No monitor "Nope" in module "User Service"'),
    });
    expect(amstaff(["silence", "User Service", "--for", "45d"])).toMatchObject({
      code: 1,
      err: expect.stringContaining("at most 30 days"),
    });

    const listed = amstaff(["silences"]).out.trim().split("\n");
    expect(listed[0]).toMatch(/^ID\s+SCOPE\s+UNTIL\s+BY\s+REASON$/);
    expect(listed).toHaveLength(3);
    expect(listed.find((line) => line.startsWith(id!))).toMatch(
      /User Service \/ Health, Login\s+\S+ \S+Z \(in (1h59m|2h)\)\s+carol\s+database migration$/,
    );
    expect(JSON.parse(amstaff(["silences", "--json"]).out)).toHaveLength(2);

    const status = amstaff(["status", "User Service"]).out;
    expect(status).toMatch(/^STATUS\s+MODULE\s+TEAM\s+MONITOR\s+SINCE\s+LAST RESULT\s+NOTE$/m);
    expect(status).toMatch(/Health\s+.*suppressed: silenced by carol until \S+: database migration$/m);
    expect(JSON.parse(amstaff(["status", "--json"]).out)[0]).toMatchObject({
      flapping: false,
      suppressed: expect.stringContaining("carol"),
    });

    expect(amstaff(["unsilence", id!]).out).toContain(`✔ ended silence ${id} (User Service / Health, Login)`);
    expect(amstaff(["silences"]).out).not.toContain(id);
    expect(amstaff(["silences", "--all"]).out).toMatch(new RegExp(`^${id}\\s.*\\(ended\\)`, "m"));
    expect(amstaff(["status", "User Service"]).out).not.toContain("NOTE");
    expect(amstaff(["unsilence", id!])).toMatchObject({
      code: 1,
      err: expect.stringContaining(`No active silence "${id}"`),
    });
    expect(amstaff(["unsilence"]).code).toBe(2);
  });
});
