/**
 * Wall time of `amstaff check` on a one-module file, as a module author runs it: a new process each time,
 * cold (`--no-daemon`: TypeScript parses the DSL's and the plugins' declarations every run) and warm (the
 * daemon the first check leaves running answers). The file changes before every run, as in an edit-check
 * loop. Run after `npx -y pnpm@12.21.0 build`:
 *   npx -y pnpm@12.21.0 --filter @amstaff/bench run check
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { stopCheckDaemons } from "../../packages/server/src/cli/amstaff/checkDaemon.ts";

// The `amstaff` package's build, run from this package, which has the DSL and two plugins installed.
const cli = fileURLToPath(new URL("../../packages/cli/dist/amstaff.js", import.meta.url));
const cwd = fileURLToPath(new URL("..", import.meta.url));
const runs = 10;
const work = mkdtempSync(join(tmpdir(), "amstaff-bench-check-"));
const sockets = join(work, "amstaff");
const file = join(work, "user-service.ts");
const { CI: _ci, AMSTAFF_CHECK_DAEMON: _daemon, ...baseEnv } = process.env;
const env = { ...baseEnv, XDG_RUNTIME_DIR: work };

function write(variant: number): void {
  writeFileSync(
    file,
    `import { amstaff, every } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("User Service", (m) => {
  m.monitor("Health-Check Failed", {
    sampler: httpGet({ url: "http://127.0.0.1:8080/health", okStatus: [200, 201] }),
    timing: every("${5 + variant}s"),
    handlers: [webhook({ url: "http://127.0.0.1:9090/amstaff" })],
    tags: ["production", "user-service", "v${variant}"],
  });
});
`,
  );
}

function check(args: string[], variant: number): number {
  write(variant);
  const started = performance.now();
  const result = spawnSync(process.execPath, [cli, "check", file, ...args], { cwd, env, encoding: "utf8" });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`amstaff check failed:\n${result.stdout}\n${result.stderr}`);
  return ms;
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: at(0.5), p95: at(0.95), min: sorted[0]! };
};

try {
  const cold = Array.from({ length: runs }, (_, i) => check(["--no-daemon"], i));
  check([], 100); // starts the daemon
  for (
    let waited = 0;
    !(existsSync(sockets) && readdirSync(sockets).some((n) => n.endsWith(".sock")));
    waited++
  ) {
    if (waited > 600) throw new Error("the check daemon did not start within 60 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  const warm = Array.from({ length: runs }, (_, i) => check([], 200 + i));
  const served = await stopCheckDaemons(sockets);

  const row = (name: string, values: number[]) => {
    const s = stats(values);
    return `| ${name} | ${s.median.toFixed(0)} ms | ${s.p95.toFixed(0)} ms | ${s.min.toFixed(0)} ms |`;
  };
  console.log(
    `amstaff check, one-module file, new process per run, ${runs} runs each (${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)})\n`,
  );
  console.log("| run | median | p95 | min |\n|---|---|---|---|");
  console.log(row("cold (`--no-daemon`)", cold));
  console.log(row(`warm (daemon; it answered ${served.join(", ")} checks)`, warm));
} finally {
  if (existsSync(sockets)) await stopCheckDaemons(sockets);
  rmSync(work, { recursive: true, force: true });
}
