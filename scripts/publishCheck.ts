// The packages as they will be published, tried as a newcomer would: every public package packed with
// `pnpm pack` (which rewrites `workspace:` ranges), published to a throwaway verdaccio on loopback, then
// installed and run in empty folders with an empty HOME. Run it with `pnpm publish:check` (after a build);
// `packages/server/test/published.test.ts` runs it in the test command.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stopCheckDaemons } from "../packages/server/src/cli/amstaff/checkDaemon.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** One timed step of the check, for the report it prints. */
export interface PublishCheckStep {
  step: string;
  ms: number;
}

/** What {@link publishCheck} did: the packages it published and how long each step took. */
export interface PublishCheckResult {
  packages: string[];
  steps: PublishCheckStep[];
}

/** Options of {@link publishCheck}. */
export interface PublishCheckOptions {
  /** Where progress lines go. @default process.stderr */
  log?: (line: string) => void;
  /** Keep the temporary folder (for a look after a failure). @default false */
  keep?: boolean;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The workspace packages that are published: every `packages/*` not marked private. */
export function publicPackages(): { name: string; dir: string }[] {
  const dirs = readdirSync(join(root, "packages"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, "packages", entry.name))
    .filter((dir) => existsSync(join(dir, "package.json")));
  return dirs
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ name: manifest.name as string, dir }));
}

/** The Node 24 the repository installs (the `node` devDependency): the one every step runs on. */
function nodeBinDir(): string {
  const dir = join(root, "node_modules", "node", "bin");
  if (!existsSync(join(dir, "node"))) {
    throw new Error(`${dir}/node is missing: run "npx -y pnpm@12.21.0 install" first.`);
  }
  return dir;
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`${command} ${args.join(" ")} took over ${options.timeoutMs} ms:\n${stdout}\n${stderr}`),
      );
    }, options.timeoutMs ?? 300_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

async function mustRun(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `"${command} ${args.join(" ")}" in ${options.cwd} exited with ${result.code}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/**
 * The pnpm that packs: the one on PATH when there is one (pnpm puts itself there for the scripts it runs),
 * else npx's. Not npx from inside a run that npx started: npm 11 then waits on its own npx cache for tens of
 * seconds per call (measured: 13 packs took over 5 minutes inside `npx pnpm test`, 15 s outside).
 */
function pnpmCommand(): { command: string; args: string[] } {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, "pnpm"))) return { command: join(dir, "pnpm"), args: [] };
  }
  return { command: "npx", args: ["-y", "pnpm@12.21.0"] };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  attempt: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = once(child, "exit").then(() => undefined);
  // npx runs the server as its own child in the same process group: end the whole group.
  try {
    process.kill(-child.pid!, "SIGTERM");
  } catch {
    child.kill("SIGTERM");
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  }, 15_000);
  return exited.finally(() => clearTimeout(timer));
}

/** A target for the probes (its /health answers 200) that counts what it is asked. */
async function startTarget(): Promise<{ url: string; hits: string[]; server: Server }> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url ?? "/");
    request.resume();
    response.writeHead(request.url === "/health" ? 200 : 404, { "content-type": "application/json" });
    response.end('{"status":"UP"}');
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

/**
 * Packs every public package, publishes the tarballs to a verdaccio started on 127.0.0.1 in a
 * temporary folder (`@amstaff/*`, `amstaff` and `amstaff-server` served only from there, everything else
 * proxied to the registry npm is configured with), then, in empty folders with an empty HOME and an
 * `.npmrc` naming that registry, on the repository's Node 24:
 * 1. `npx amstaff-server` starts and answers `/health`;
 * 2. after `npm install @amstaff/dsl @amstaff/sampler-http @amstaff/handler-webhook`, `npx amstaff check`
 *    type-checks a module file (and refuses a broken one with file:line:col) and `npx amstaff push` pushes
 *    it to that server, which then probes the target;
 * 3. after `npm install @amstaff/sampler-http`, a five-line script probes a local target.
 * Throws with the failing command's output on the first failure.
 */
export async function publishCheck(options: PublishCheckOptions = {}): Promise<PublishCheckResult> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const steps: PublishCheckStep[] = [];
  const timed = async <T>(step: string, body: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    log(`publish check: ${step} ...`);
    const value = await body();
    const ms = Math.round(performance.now() - started);
    steps.push({ step, ms });
    log(`publish check: ${step} (${(ms / 1000).toFixed(1)} s)`);
    return value;
  };

  const nodeDir = nodeBinDir();
  const work = mkdtempSync(join(tmpdir(), "amstaff-publish-"));
  const cleanups: (() => Promise<void> | void)[] = [];
  // Nothing of this machine's npm setup leaks in: an empty HOME, npm's settings from the folder's .npmrc.
  const baseEnv: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(npm_|NPM_|PNPM_|pnpm_|VITEST|NODE_OPTIONS$|TURBO_|INIT_CWD$)/.test(key),
    ),
  );
  baseEnv.PATH = [nodeDir, process.env.PATH ?? ""].join(delimiter);
  const packages = publicPackages();
  try {
    const upstream = (
      await mustRun("npm", ["config", "get", "registry"], {
        cwd: root,
        env: { ...baseEnv },
        timeoutMs: 60_000,
      })
    ).stdout.trim();

    const pnpm = pnpmCommand();
    const tarballs = join(work, "tarballs");
    mkdirSync(tarballs);
    await timed(`pack ${packages.length} packages`, async () => {
      for (const { name, dir } of packages) {
        if (!existsSync(join(dir, "dist")) && name !== "amstaff-server") {
          throw new Error(`${dir}/dist is missing: build first (npx -y pnpm@12.21.0 build).`);
        }
        // One folder each: @amstaff/server and amstaff-server both pack as amstaff-server-<version>.tgz.
        const destination = join(tarballs, name.replace("/", "+"));
        mkdirSync(destination);
        await mustRun(pnpm.command, [...pnpm.args, "pack", "--pack-destination", destination], {
          cwd: dir,
          env: baseEnv,
        });
      }
    });

    const port = await freePort();
    const registry = `http://127.0.0.1:${port}/`;
    const localOnly = ["'@amstaff/*'", ...packages.filter((p) => !p.name.startsWith("@")).map((p) => p.name)];
    writeFileSync(
      join(work, "verdaccio.yaml"),
      [
        `storage: ${join(work, "storage")}`,
        "auth:",
        "  htpasswd:",
        `    file: ${join(work, "htpasswd")}`,
        "uplinks:",
        "  upstream:",
        `    url: ${upstream}`,
        "    timeout: 60s",
        // Verdaccio marks an uplink offline after 2 failed requests (its default) and then answers 404 for
        // every package it has not cached: one slow answer among the hundreds an install asks for failed a
        // whole run (@peculiar/x509 "no such package"). Tolerate failures, and retry each request.
        "    max_fails: 1000",
        "    maxage: 60m",
        "    fail_timeout: 1s",
        "    agent_options: { keepAlive: true, maxSockets: 16 }",
        "packages:",
        // Our packages only ever come from here: never proxied, so a test never runs a published version.
        ...localOnly.flatMap((name) => [`  ${name}:`, "    access: $all", "    publish: $authenticated"]),
        "  '**':",
        "    access: $all",
        "    publish: $authenticated",
        "    proxy: upstream",
        "log: { type: stdout, format: pretty, level: warn }",
        "",
      ].join("\n"),
    );
    const verdaccio = await timed("start verdaccio", async () => {
      const child = spawn(
        join(nodeDir, "node"),
        [
          // The upstream registry is reached through the machine's TLS setup: a proxy whose CA is only in the
          // system store fails Node's bundled one (SELF_SIGNED_CERT_IN_CHAIN), which verdaccio reports as 404.
          "--use-system-ca",
          join(root, "node_modules", "verdaccio", "bin", "verdaccio"),
          "-c",
          join(work, "verdaccio.yaml"),
          "-l",
          `127.0.0.1:${port}`,
        ],
        {
          cwd: work,
          env: { ...baseEnv, HOME: join(work, "verdaccio-home") },
          stdio: ["ignore", "pipe", "pipe"],
          detached: true,
        },
      );
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      cleanups.push(() => stopChild(child));
      await waitFor(`verdaccio on ${registry}\n${output}`, 60_000, async () =>
        (await fetch(`${registry}-/ping`)).ok ? true : undefined,
      );
      return child;
    });
    void verdaccio;

    // A publisher account on the throwaway registry (verdaccio's htpasswd accepts new users).
    const token = await fetch(`${registry}-/user/org.couchdb.user:publish-check`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "publish-check", password: "publish-check-password" }),
    }).then(async (response) => {
      const body = (await response.json()) as { token?: string };
      if (!response.ok || body.token === undefined)
        throw new Error(`verdaccio refused the publisher account: ${response.status}`);
      return body.token;
    });
    const registryHost = registry.replace(/^http:/, "");
    const emptyHome = (name: string) => {
      const home = join(work, name);
      mkdirSync(home, { recursive: true });
      writeFileSync(
        join(home, ".npmrc"),
        `registry=${registry}\n${registryHost}:_authToken=${token}\nfund=false\naudit=false\nupdate-notifier=false\nfetch-retries=5\n`,
      );
      return home;
    };
    const userEnv = (home: string): NodeJS.ProcessEnv => ({
      ...baseEnv,
      HOME: home,
      npm_config_userconfig: join(home, ".npmrc"),
      npm_config_cache: join(home, ".npm"),
      XDG_CONFIG_HOME: join(home, ".config"),
    });

    const publisher = emptyHome("publisher");
    await timed(`publish ${packages.length} tarballs`, async () => {
      for (const folder of readdirSync(tarballs)) {
        const [file] = readdirSync(join(tarballs, folder));
        if (file === undefined) throw new Error(`pnpm pack wrote nothing for ${folder}`);
        await mustRun(
          "npm",
          ["publish", join(tarballs, folder, file), "--registry", registry, "--access", "public"],
          {
            cwd: publisher,
            env: userEnv(publisher),
          },
        );
      }
    });

    // Third-party dependencies come through verdaccio's uplink, which answers an upstream hiccup with a 404
    // (verdaccio#720, #1328) that npm never retries. They are fetched once here, retried, and kept (tarballs
    // always, metadata for an hour): the steps below then find every package on loopback and fail only for
    // what is wrong with ours.
    await timed("fetch third-party dependencies through the proxy", async () => {
      const home = emptyHome("prefetch-home");
      const dir = join(work, "prefetch");
      mkdirSync(dir);
      writeFileSync(join(dir, "package.json"), '{ "name": "prefetch", "private": true }\n');
      const names = packages.map((p) => p.name);
      for (let attempt = 1; ; attempt++) {
        const result = await run("npm", ["install", "--no-save", ...names], { cwd: dir, env: userEnv(home) });
        if (result.code === 0) return;
        if (attempt === 3) {
          throw new Error(
            `npm install through verdaccio failed 3 times:\n${result.stdout}\n${result.stderr}`,
          );
        }
        log(`publish check: npm install through verdaccio failed (attempt ${attempt}); retrying`);
      }
    });

    const target = await startTarget();
    cleanups.push(() => new Promise<void>((r) => target.server.close(() => r())));

    // 1. The operator: `npx amstaff-server` in an empty folder.
    const operatorHome = emptyHome("operator-home");
    const operatorDir = join(work, "operator");
    mkdirSync(operatorDir);
    const serverToken = "publish-check-admin-token-5f0e7d";
    const server = await timed("npx amstaff-server (install and start)", async () => {
      const child = spawn("npx", ["-y", "amstaff-server", "--port", "0", "--log-format", "json"], {
        cwd: operatorDir,
        env: { ...userEnv(operatorHome), AMSTAFF_TOKEN: serverToken },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      cleanups.push(() => stopChild(child));
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.stdout.resume();
      const exited = once(child, "exit").then(([code]) => {
        throw new Error(`npx amstaff-server exited with ${code}:\n${stderr}`);
      });
      const url = await Promise.race([
        exited,
        waitFor(
          "npx amstaff-server to print its URL",
          600_000,
          async () => /is running at (http\S+)/.exec(stderr)?.[1],
        ),
      ]);
      const health = await fetch(`${url}/health`);
      if (health.status !== 200)
        throw new Error(`${url}/health answered ${health.status}: ${await health.text()}`);
      return { url };
    });
    log(`publish check: amstaff-server answers ${server.url}/health`);

    // 2. The module author: the DSL and two plugins, then `npx amstaff check` and `npx amstaff push`.
    const authorHome = emptyHome("author-home");
    const authorDir = join(work, "author");
    mkdirSync(authorDir);
    writeFileSync(
      join(authorDir, "package.json"),
      '{ "name": "my-monitoring", "private": true, "type": "module" }\n',
    );
    // A module author's own shell, not CI (where the check never starts its daemon): the steps below check
    // that the published bin leaves one and that it answers.
    const { CI: _ci, ...authorShell } = userEnv(authorHome);
    const authorEnv = { ...authorShell, XDG_RUNTIME_DIR: join(authorHome, "run") };
    const daemons = join(authorHome, "run", "amstaff");
    cleanups.push(async () => {
      if (existsSync(daemons)) await stopCheckDaemons(daemons);
    });
    await timed("npm install @amstaff/dsl @amstaff/sampler-http @amstaff/handler-webhook", () =>
      mustRun("npm", ["install", "@amstaff/dsl", "@amstaff/sampler-http", "@amstaff/handler-webhook"], {
        cwd: authorDir,
        env: authorEnv,
      }),
    );
    writeFileSync(
      join(authorDir, "shop.ts"),
      `import { amstaff, every } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("Shop", (m) => {
  m.monitor("Health", {
    sampler: httpGet({ url: "${target.url}/health", okStatus: [200] }),
    timing: every("1s"),
    handlers: [webhook({ url: "${target.url}/hook" })],
  });
});
`,
    );
    writeFileSync(
      join(authorDir, "broken.ts"),
      // An option the HTTP sampler does not have: only its declarations, resolved from the project, know.
      readFileSync(join(authorDir, "shop.ts"), "utf8").replace(
        "okStatus: [200]",
        'okStatus: [200], retries: "x"',
      ),
    );
    const checked = await timed("npx amstaff check shop.ts (installs amstaff)", () =>
      mustRun("npx", ["-y", "amstaff", "check", "shop.ts"], { cwd: authorDir, env: authorEnv }),
    );
    if (!checked.stdout.includes('module "Shop", 1 monitor(s)')) {
      throw new Error(`npx amstaff check said:\n${checked.stdout}\n${checked.stderr}`);
    }
    const broken = await run("npx", ["-y", "amstaff", "check", "broken.ts"], {
      cwd: authorDir,
      env: authorEnv,
    });
    if (broken.code !== 1 || !/broken\.ts:7:\d+ - error: .*'retries' does not exist/.test(broken.stdout)) {
      throw new Error(
        `npx amstaff check broken.ts should refuse it with file:line:col, got ${broken.code}:\n${broken.stdout}\n${broken.stderr}`,
      );
    }
    // The first check left a daemon that keeps the compiler warm: the published bin can start it.
    await timed("the check daemon answers", async () => {
      await waitFor("the check daemon's socket", 120_000, async () =>
        existsSync(daemons) && readdirSync(daemons).some((n) => n.endsWith(".sock")) ? true : undefined,
      );
      const warm = await mustRun("npx", ["-y", "amstaff", "check", "shop.ts"], {
        cwd: authorDir,
        env: authorEnv,
      });
      if (warm.stdout !== checked.stdout)
        throw new Error(`the warm check said:\n${warm.stdout}\n${warm.stderr}`);
      const served = await stopCheckDaemons(daemons);
      if (!served.some((n) => n >= 1))
        throw new Error(`no check daemon answered (served: ${served.join(", ")})`);
    });
    await timed("npx amstaff push shop.ts", () =>
      mustRun("npx", ["-y", "amstaff", "push", "shop.ts", "--server", server.url, "--token", serverToken], {
        cwd: authorDir,
        env: authorEnv,
      }),
    );
    await timed("the pushed module probes the target", () =>
      waitFor("a probe of the pushed module", 120_000, async () =>
        target.hits.includes("/health") ? true : undefined,
      ),
    );

    // 3. The app developer: the HTTP sampler alone, in a five-line script.
    const appHome = emptyHome("app-home");
    const appDir = join(work, "app");
    mkdirSync(appDir);
    writeFileSync(join(appDir, "package.json"), '{ "name": "my-app", "private": true, "type": "module" }\n');
    const appEnv = userEnv(appHome);
    await timed("npm install @amstaff/sampler-http", () =>
      mustRun("npm", ["install", "@amstaff/sampler-http"], { cwd: appDir, env: appEnv }),
    );
    writeFileSync(
      join(appDir, "probe.mjs"),
      `import { httpSampler } from "@amstaff/sampler-http";

const health = httpSampler({ url: process.argv[2] });
const result = await health.probe();
console.log(JSON.stringify(result));
`,
    );
    const probed = await timed("a five-line script probes the target", () =>
      mustRun(join(nodeDir, "node"), ["probe.mjs", `${target.url}/health`], { cwd: appDir, env: appEnv }),
    );
    const result = JSON.parse(probed.stdout) as { status?: string };
    if (result.status !== "ok") throw new Error(`the script's probe was not ok: ${probed.stdout}`);
    return { packages: packages.map((p) => p.name), steps };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
    if (options.keep) log(`publish check: kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  publishCheck({ keep: process.argv.includes("--keep") }).then(
    ({ packages, steps }) => {
      const width = Math.max(...steps.map((s) => s.step.length));
      process.stdout.write(`\nPublished and tried as a newcomer: ${packages.join(", ")}\n\n`);
      for (const { step, ms } of steps)
        process.stdout.write(`  ${step.padEnd(width)}  ${(ms / 1000).toFixed(1).padStart(6)} s\n`);
      const total = steps.reduce((sum, s) => sum + s.ms, 0);
      process.stdout.write(`  ${"total".padEnd(width)}  ${(total / 1000).toFixed(1).padStart(6)} s\n`);
    },
    (error: unknown) => {
      process.stderr.write(`publish check failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
