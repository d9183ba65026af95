import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";

// The `amstaff` package's own build (packages/cli), as `npx amstaff` runs it: away from the server's plugins.
const cli = fileURLToPath(new URL("../../cli/dist/amstaff.js", import.meta.url));

describe("the amstaff package's CLI", () => {
  it("says which packages to install when a check finds no sampler or handler package", () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (pnpm build).`);
    const work = mkdtempSync(join(tmpdir(), "amstaff-cli-package-"));
    onTestFinished(() => rmSync(work, { recursive: true, force: true }));
    writeFileSync(
      join(work, "shop.ts"),
      `import { amstaff, every } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("Shop", (m) => {
  m.monitor("Health", { sampler: httpGet({ url: "http://127.0.0.1:9/health" }), timing: every("1m") });
});
`,
    );
    const result = spawnSync(process.execPath, [cli, "check", "shop.ts"], {
      cwd: work,
      env: { ...process.env, AMSTAFF_CHECK_DAEMON: "0" },
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("no sampler or handler package found here or beside the CLI");
    expect(result.stderr).toContain("npm i -D @amstaff/dsl @amstaff/sampler-http");
    expect(result.stdout).toMatch(/shop\.ts:2:25 - error: cannot import "@amstaff\/sampler-http"/);
  });
});
