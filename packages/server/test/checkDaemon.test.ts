import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { stopCheckDaemons } from "../src/cli/amstaff/checkDaemon.js";
import { eventually } from "./serverProcess.js";

const cli = fileURLToPath(new URL("../dist/amstaffCli.js", import.meta.url));

const moduleSource = (timing: string) => `import { amstaff, every } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("Shop", (m) => {
  m.monitor("Health", { sampler: httpGet({ url: "http://127.0.0.1:9/health" }), timing: every("${timing}") });
});
`;

function setup() {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build the server first (pnpm build).`);
  const work = mkdtempSync(join(tmpdir(), "amstaff-check-daemon-"));
  const sockets = join(work, "run", "amstaff");
  onTestFinished(async () => {
    if (existsSync(sockets)) await stopCheckDaemons(sockets);
    rmSync(work, { recursive: true, force: true });
  });
  writeFileSync(join(work, "shop.ts"), moduleSource("1m"));
  const { CI: _ci, AMSTAFF_CHECK_DAEMON: _daemon, ...env } = process.env;
  const amstaff = (args: string[], extra: Record<string, string> = {}) => {
    const result = spawnSync(process.execPath, [cli, ...args], {
      cwd: work,
      env: { ...env, XDG_RUNTIME_DIR: join(work, "run"), ...extra },
      encoding: "utf8",
      timeout: 120_000,
    });
    return { code: result.status, out: result.stdout, err: result.stderr };
  };
  const socketFiles = () =>
    existsSync(sockets) ? readdirSync(sockets).filter((n) => n.endsWith(".sock")) : [];
  return { work, sockets, amstaff, socketFiles };
}

describe("amstaff check's daemon", () => {
  it("answers the checks after the first from a warm daemon, with the same results, edits included", {
    timeout: 300_000,
  }, async () => {
    const { work, sockets, amstaff, socketFiles } = setup();
    const first = amstaff(["check", "shop.ts"]);
    expect(first).toMatchObject({ code: 0, out: '✔ shop.ts: module "Shop", 1 monitor(s)\n' });
    await eventually(() => (socketFiles().length === 1 ? true : undefined), 60_000, "the daemon's socket");

    expect(amstaff(["check", "shop.ts"])).toMatchObject({ code: 0, out: first.out });
    writeFileSync(join(work, "shop.ts"), moduleSource("1 minute"));
    const broken = amstaff(["check", "shop.ts"]);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/^✖ shop\.ts:5:\d+ - error: Argument of type '"1 minute"'/);
    writeFileSync(join(work, "shop.ts"), moduleSource("30s"));
    const json = amstaff(["check", "shop.ts", "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject([{ file: "shop.ts", ok: true, definition: { name: "Shop" } }]);

    // The three checks after the daemon was up were its own; stopped, it removes its socket.
    expect(await stopCheckDaemons(sockets)).toEqual([3]);
    expect(socketFiles()).toEqual([]);
  });

  it("starts none with --no-daemon, AMSTAFF_CHECK_DAEMON=0 or in CI", { timeout: 300_000 }, async () => {
    const { amstaff, sockets } = setup();
    expect(amstaff(["check", "shop.ts", "--no-daemon"]).code).toBe(0);
    expect(amstaff(["check", "shop.ts"], { AMSTAFF_CHECK_DAEMON: "0" }).code).toBe(0);
    expect(amstaff(["check", "shop.ts"], { CI: "true" }).code).toBe(0);
    // The command makes the daemons' folder before it asks or starts one: it never came to that.
    expect(existsSync(sockets)).toBe(false);
  });
});
