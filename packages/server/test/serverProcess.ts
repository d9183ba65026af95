import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

/** Extra command-line flags and environment of a {@link ServerProcess} (cluster nodes). */
export interface ServerProcessOptions {
  args?: string[];
  env?: Record<string, string>;
  /** The working directory: plugin packages installed there are discovered. */
  cwd?: string;
}

/** A real `amstaff-server` process on a free port, for end-to-end tests. */
export class ServerProcess {
  readonly dataDir: string;
  readonly token = "e2e-token-0123456789";
  url = "";
  #child: ChildProcess | undefined;
  output = "";
  readonly #options: ServerProcessOptions;

  constructor(dataDir = mkdtempSync(join(tmpdir(), "amstaff-e2e-")), options: ServerProcessOptions = {}) {
    this.dataDir = dataDir;
    this.#options = options;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async start(): Promise<void> {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: build the server first (pnpm build).`);
    const child = spawn(
      process.execPath,
      [cli, "--port", "0", "--data-dir", this.dataDir, "--log-level", "warn", ...(this.#options.args ?? [])],
      {
        env: { ...process.env, AMSTAFF_TOKEN: this.token, ...this.#options.env },
        cwd: this.#options.cwd,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.#child = child;
    child.stdout?.on("data", (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    this.url = await new Promise<string>((resolve, reject) => {
      let stderr = "";
      // Generous: a start takes 2-4 s on a quiet machine, and over 20 s on a loaded two-core one.
      const timer = setTimeout(
        () => reject(new Error(`server did not start within 60 s:\n${stderr}`)),
        60_000,
      );
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        this.output += chunk.toString();
        const match = /is running at (https?:\/\/\S+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before starting:\n${stderr}`));
      });
    });
  }

  /** Sends a signal without waiting (SIGSTOP / SIGCONT to freeze and thaw the process). */
  signal(signal: NodeJS.Signals): void {
    this.#child?.kill(signal);
  }

  /** Sends a signal and waits for the process to exit; resolves with its exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }

  async api(
    path: string,
    init: { method?: string; body?: string; token?: string | null; timeoutMs?: number } = {},
  ) {
    const headers: Record<string, string> = {};
    const token = init.token === undefined ? this.token : init.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${this.url}${path}`, {
      method: init.method ?? "GET",
      body: init.body,
      headers,
      signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop("SIGKILL");
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Polls `check` until it returns a value other than undefined, for at most `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `count` free TCP ports on loopback (bound, then released: good enough for tests on one machine). */
export async function freePorts(count: number): Promise<number[]> {
  const { createServer } = await import("node:net");
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import("node:net").Server>((resolve) => {
          const server = createServer();
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import("node:net").AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/**
 * The environment that gives a node the secret `PROBER` (its own id), granted to every module: the
 * cluster tests' modules send it, so the target sees which node probed.
 */
export function proberSecret(id: string): Record<string, string> {
  return { AMSTAFF_SECRET_PROBER: id, AMSTAFF_SECRETS_GRANTS: '{ "PROBER": { "modules": ["*"] } }' };
}

/**
 * What the nodes of a test cluster agree through: Raft among themselves, or an etcd cluster (each test
 * cluster then gets a key prefix of its own, so one etcd serves a whole test file).
 */
export type TestEngine = { name: "raft" } | { name: "etcd"; endpoints: string[] };

let prefixes = 0;

/** The engine flags of a node with id `id` of a cluster whose Raft addresses are `raft`. */
function engineArgs(engine: TestEngine, id: string, raft: Map<string, string>, prefix: string): string[] {
  if (engine.name === "etcd")
    return ["--node-id", id, "--etcd", engine.endpoints.join(","), "--etcd-prefix", prefix];
  const peers = [...raft]
    .filter(([p]) => p !== id)
    .map(([p, address]) => `${p}=${address}`)
    .join(",");
  const port = raft.get(id)!.split(":")[1]!;
  return ["--node-id", id, "--raft-port", port, "--peers", peers, "--insecure-cluster-transport"];
}

/**
 * Three (or more) founding nodes on loopback, named a, b, c…: on Raft sharing a secret, or on etcd.
 * `node(id)` makes one more node of the same cluster (on Raft it must then be added with `--join`).
 */
export async function startCluster(
  ids: string[] = ["a", "b", "c"],
  env: Record<string, string> = {},
  engine: TestEngine = { name: "raft" },
): Promise<
  Map<string, ServerProcess> &
    AsyncDisposable & { raft: Map<string, string>; node(id: string, args?: string[]): ServerProcess }
> {
  const ports = await freePorts(ids.length);
  const raft = new Map(ids.map((id, i) => [id, `127.0.0.1:${ports[i]}`]));
  const prefix = `/amstaff-test-${process.pid}-${++prefixes}`;
  const node = (id: string, args: string[] = engineArgs(engine, id, raft, prefix)) =>
    new ServerProcess(undefined, {
      args,
      env: {
        ...(engine.name === "raft" && { AMSTAFF_CLUSTER_SECRET: "e2e-cluster-secret-0123456789" }),
        ...proberSecret(id),
        ...env,
      },
    });
  const nodes = new Map(ids.map((id) => [id, node(id)] as const));
  await Promise.all([...nodes.values()].map((n) => n.start()));
  return Object.assign(nodes, {
    raft,
    node,
    [Symbol.asyncDispose]: async () => {
      await Promise.all([...nodes.values()].map((n) => n[Symbol.asyncDispose]()));
    },
  });
}
