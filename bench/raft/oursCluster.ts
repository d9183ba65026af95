// Our side of bench.ts: three kvServer.ts processes on loopback, each with the small length-prefixed JSON
// client endpoint (frames.ts) the benchmark client talks to.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createConnection, type Socket } from "node:net";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePorts, noSyncs, type System, until } from "./cluster.ts";
import { readFrames, writeFrame } from "./frames.ts";

/** One TCP connection to a kvServer.ts client endpoint, requests multiplexed by id; reconnects on demand. */
class FrameEndpoint {
  readonly #port: number;
  #socket: Socket | null = null;
  #next = 0;
  readonly #pending = new Map<number, (reply: Record<string, unknown>) => void>();
  constructor(port: number) {
    this.#port = port;
  }

  #connect(): Socket {
    if (this.#socket && !this.#socket.destroyed) return this.#socket;
    const socket = createConnection({ port: this.#port, host: "127.0.0.1", noDelay: true });
    this.#socket = socket;
    readFrames(socket, (raw) => {
      const reply = raw as { id: number } & Record<string, unknown>;
      this.#pending.get(reply.id)?.(reply);
      this.#pending.delete(reply.id);
    });
    const fail = () => {
      if (this.#socket === socket) this.#socket = null;
      for (const resolve of this.#pending.values()) resolve({ ok: false, code: "DISCONNECTED" });
      this.#pending.clear();
    };
    socket.on("error", fail);
    socket.on("close", fail);
    return socket;
  }

  call(request: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    const socket = this.#connect();
    const id = ++this.#next;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve({ ok: false, code: "TIMEOUT" });
      }, timeoutMs);
      this.#pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      writeFrame(socket, { id, ...request });
    });
  }

  close(): void {
    this.#socket?.destroy();
  }
}

/** How bench.ts starts our cluster. */
export interface OursOptions {
  /** Raft over mutual TLS, with certificates from `amstaff-server certs`. */
  tls: boolean;
  /** The nodes record save() and event-loop-delay percentiles (a 1 ms loop timer). */
  diagnostics: boolean;
  /** Node flags for the three nodes. */
  nodeArgs: readonly string[];
  /** Another build of @amstaff/raft for the nodes (a `dist` copied into packages/raft/), else the workspace's. */
  raftDist?: string;
}

/** Three kvServer.ts processes: @amstaff/raft's KvStateMachine, SqliteStorage and TcpTransport. */
export async function ours(dir: string, options: OursOptions): Promise<System> {
  const ids = ["r1", "r2", "r3"];
  const ports = await freePorts(6);
  const raftPorts = ports.slice(0, 3);
  const clientPorts = ports.slice(3);
  const peers = Object.fromEntries(ids.map((id, i) => [id, { host: "127.0.0.1", port: raftPorts[i]! }]));
  const endpoints = clientPorts.map((p) => new FrameEndpoint(p));
  const children: (ChildProcess | null)[] = [null, null, null];
  const server = fileURLToPath(new URL("./kvServer.ts", import.meta.url));
  const certs = join(dir, "certs");
  if (options.tls) {
    const serverCli = fileURLToPath(new URL("../../packages/server/dist/cli.js", import.meta.url));
    const nodes = ids.map((id) => `${id}=127.0.0.1`).join(",");
    const made = spawn(process.execPath, [serverCli, "certs", "--out", certs, "--nodes", nodes], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    const [code] = await once(made, "exit");
    if (code !== 0) throw new Error("amstaff-server certs failed (is packages/server built?)");
  }
  const status = async (i: number, timeoutMs = 1000) => {
    const r = await endpoints[i]!.call({ op: "status" }, timeoutMs);
    return r.ok ? (r.value as { role: string; saves: number; saveSeconds: number }) : undefined;
  };
  const start = async (i: number, founder: boolean) => {
    children[i] = spawn(process.execPath, [...options.nodeArgs, server], {
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        RAFT_ID: ids[i],
        RAFT_DB: join(dir, `${ids[i]}.db`),
        RAFT_SECRET: "bench-cluster-secret-0123456789",
        RAFT_PORT: String(raftPorts[i]),
        CLIENT_PORT: String(clientPorts[i]),
        RAFT_PEERS: JSON.stringify(peers),
        BENCH_DIAGNOSTICS: options.diagnostics ? "1" : "0",
        ...(options.tls ? { RAFT_TLS_DIR: certs } : {}),
        ...(founder ? { RAFT_MEMBERS: ids.join(",") } : {}),
        ...(options.raftDist ? { RAFT_DIST: options.raftDist } : {}),
      },
    });
    await until(`${ids[i]} to listen`, 20_000, () => status(i, 200));
  };
  await Promise.all(ids.map((_, i) => start(i, true)));
  return {
    name: `@amstaff/raft${options.raftDist ? ` (${basename(options.raftDist)})` : ""}${options.tls ? " (TLS)" : ""}`,
    async put(member, key, value, timeoutMs) {
      const r = await endpoints[member]!.call({ op: "put", key, value }, timeoutMs);
      const hint = typeof r.leader === "string" ? ids.indexOf(r.leader) : -1;
      return { ok: r.ok === true, leader: hint >= 0 ? hint : null };
    },
    leader: () =>
      until("a leader", 20_000, async () => {
        for (let i = 0; i < 3; i++) if (children[i] && (await status(i))?.role === "leader") return i;
        return undefined;
      }),
    async durableWrites(member) {
      const s = await status(member);
      return s ? { count: s.saves, seconds: s.saveSeconds } : noSyncs;
    },
    pids: () => children.flatMap((c) => (c?.pid ? [c.pid] : [])),
    async diagnostics(member) {
      const r = await endpoints[member]!.call({ op: "diagnostics" }, 1000);
      return r.ok ? (r.value as Record<string, number>) : undefined;
    },
    kill9(member) {
      children[member]?.kill("SIGKILL");
      children[member] = null;
    },
    restart: (member) => start(member, false),
    async stop() {
      for (const e of endpoints) e.close();
      await Promise.all(
        children.map(async (c) => {
          if (!c || c.exitCode !== null) return;
          const exited = once(c, "exit");
          // A clean stop lets `--node-args "--cpu-prof"` write its profile; a node that hangs is killed.
          c.kill("SIGTERM");
          const killer = setTimeout(() => c.kill("SIGKILL"), 5000);
          await exited;
          clearTimeout(killer);
        }),
      );
    },
  };
}
