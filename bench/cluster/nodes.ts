// Real amstaff-server processes (the built packages/server/dist/cli.js) on loopback, for the cluster
// benchmarks: a single node or a cluster of founding nodes, each with its own temp data directory.
// `AMSTAFF_BENCH_NODE_LOGS=<dir>` keeps each node's log (errors only) in `<dir>/<id>.log`, to see why a step
// went wrong; otherwise it is dropped.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { type AddressInfo, createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../../packages/server/dist/cli.js", import.meta.url));
const token = "bench-token-0123456789";
const logDir = process.env.AMSTAFF_BENCH_NODE_LOGS;
const clusterSecret = "bench-cluster-secret-0123456789";

export class Node {
  readonly id: string;
  readonly dataDir = mkdtempSync(join(tmpdir(), "amstaff-bench-"));
  readonly #args: string[];
  readonly #env: Record<string, string>;
  readonly #nodeFlags: string[];
  #child: ChildProcess | undefined;
  url = "";

  /** @param nodeFlags flags for Node.js itself (`--cpu-prof`), before the server's script. */
  constructor(id: string, args: string[], env: Record<string, string>, nodeFlags: string[] = []) {
    this.id = id;
    this.#args = args;
    this.#env = env;
    this.#nodeFlags = nodeFlags;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async start(): Promise<void> {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: build the server first.`);
    const log = logDir ? openSync(join(logDir, `${this.id}.log`), "a") : "ignore";
    const child = spawn(
      process.execPath,
      [
        ...this.#nodeFlags,
        cli,
        "--port",
        "0",
        "--data-dir",
        this.dataDir,
        "--log-level",
        "error",
        ...this.#args,
      ],
      {
        env: { ...process.env, AMSTAFF_TOKEN: token, ...this.#env },
        stdio: ["ignore", log, "pipe"],
      },
    );
    if (typeof log === "number") closeSync(log);
    this.#child = child;
    this.url = await new Promise<string>((resolve, reject) => {
      let stderr = "";
      // Generous: a start takes 2-4 s on a quiet machine, and over 30 s on a loaded two-core one.
      const timer = setTimeout(() => reject(new Error(`node ${this.id} did not start:\n${stderr}`)), 120_000);
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /is running at (http:\/\/\S+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`node ${this.id} exited with ${code}:\n${stderr}`));
      });
    });
    // Keep draining stderr so a chatty node never blocks on a full pipe.
    child.stderr?.resume();
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    await exited;
  }

  async api(path: string, init: { method?: string; body?: string; timeoutMs?: number } = {}) {
    const response = await fetch(`${this.url}${path}`, {
      method: init.method ?? "GET",
      body: init.body,
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(init.timeoutMs ?? 60_000),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the API's answers are read loosely here
    return { status: response.status, body: (await response.json()) as any };
  }

  /** A text answer (`/metrics`). */
  async text(path: string, timeoutMs = 60_000): Promise<string> {
    const response = await fetch(`${this.url}${path}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return await response.text();
  }

  /** CPU seconds (user + system) and resident memory in MiB, from /proc (Linux). */
  usage(): { cpuSeconds: number; rssMiB: number } {
    const stat = readFileSync(`/proc/${this.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second).
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / 100;
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, "utf8"));
    return { cpuSeconds, rssMiB: Number(rss?.[1] ?? 0) / 1024 };
  }

  async dispose(): Promise<void> {
    await this.stop("SIGKILL");
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** `count` free TCP ports on loopback (free when asked; nothing holds them after). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const server = createServer();
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** The secret PROBER (the node's id) in the node's secret store, granted to every module. */
function proberSecret(id: string): Record<string, string> {
  return { AMSTAFF_SECRET_PROBER: id, AMSTAFF_SECRETS_GRANTS: '{ "PROBER": { "modules": ["*"] } }' };
}

/**
 * What a cluster's nodes agree through: Raft among themselves, or an etcd cluster (`endpoints`), under a
 * key `prefix` of its own.
 */
export type Engine = { name: "raft" } | { name: "etcd"; endpoints: string[]; prefix: string };

/**
 * One node without cluster networking (a cluster of one), or founding nodes a, b, c… on `engine`: on Raft
 * sharing a secret, on etcd sharing its endpoints and a key prefix.
 */
export async function startNodes(
  ids: string[],
  engine: Engine = { name: "raft" },
  nodeFlags: string[] = [],
): Promise<Node[]> {
  let nodes: Node[];
  if (ids.length === 1) {
    nodes = [new Node(ids[0]!, [], proberSecret(ids[0]!), nodeFlags)];
  } else if (engine.name === "etcd") {
    const args = ["--etcd", engine.endpoints.join(","), "--etcd-prefix", engine.prefix];
    nodes = ids.map((id) => new Node(id, ["--node-id", id, ...args], proberSecret(id), nodeFlags));
  } else {
    const ports = await freePorts(ids.length);
    nodes = ids.map((id, i) => {
      const peers = ids
        .filter((p) => p !== id)
        .map((p) => `${p}=127.0.0.1:${ports[ids.indexOf(p)]}`)
        .join(",");
      return new Node(
        id,
        ["--node-id", id, "--raft-port", String(ports[i]), "--peers", peers, "--insecure-cluster-transport"],
        { AMSTAFF_CLUSTER_SECRET: clusterSecret, ...proberSecret(id) },
        nodeFlags,
      );
    });
  }
  try {
    await Promise.all(nodes.map((n) => n.start()));
  } catch (error) {
    await Promise.all(nodes.map((n) => n.dispose()));
    throw error;
  }
  return nodes;
}

/** A keep-alive HTTP target answering 200 to everything, remembering who probed which path when. */
export async function startTarget() {
  const probes: { at: number; path: string; node: string | undefined }[] = [];
  let hits = 0;
  const server: Server = createHttpServer({ keepAlive: true }, (request, response) => {
    hits++;
    const node = request.headers["x-prober"];
    if (target.record) {
      probes.push({
        at: Date.now(),
        path: request.url ?? "/",
        node: typeof node === "string" ? node : undefined,
      });
    }
    request.resume();
    response.writeHead(200, { "content-type": "application/json" });
    response.end('{"status":"UP"}');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const target = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    probes,
    record: true,
    get hits() {
      return hits;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return target;
}

/**
 * A module file of `size` HTTP monitors probing `targetUrl/<name>/<i>` every 10 s: the load the capacity
 * and memory benchmarks push.
 */
export const httpModuleSource = (
  name: string,
  size: number,
  targetUrl: string,
) => `import { amstaff, every } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("${name}", (m) => {
  for (let i = 0; i < ${size}; i++) {
    m.monitor("p" + i, { sampler: httpGet({ url: "${targetUrl}/${name}/" + i }), timing: every("10s") });
  }
});
`;

/** Polls `check` until it returns something other than undefined, for at most `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A median of numbers (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The load average (1 / 5 / 15 min), as the tables print it. */
export const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");

/** The machine line under a table: cores and the load average at the start and the end of the run. */
export const machine = (loadAtStart: string, loadAtEnd: string): string =>
  `${cpus().length} cores; load average (1 / 5 / 15 min) ${loadAtStart} at the start, ${loadAtEnd} at the end`;
