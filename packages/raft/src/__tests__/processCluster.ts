// Spawns and drives kvProcess.ts children: used by the real-process test and by bench/raft.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const fixture = fileURLToPath(new URL("./kvProcess.ts", import.meta.url));
const hooks = fileURLToPath(new URL("../../../../scripts/tsHooks.mjs", import.meta.url));

export interface ProcessNode {
  id: string;
  db: string;
  port: number;
  child: ChildProcess | null;
  pending: Map<number, (r: Reply) => void>;
}
export interface Reply {
  ok: boolean;
  value?: unknown;
  code?: string;
  leader?: string | null;
}

let seq = 0;

/** A cluster of Raft KV processes over TCP with SQLite storage. */
export class ProcessCluster {
  readonly nodes = new Map<string, ProcessNode>();
  readonly #env: Record<string, string>;
  readonly #members: string[];
  constructor(ids: string[], dir: string, env: Record<string, string> = {}) {
    this.#members = ids;
    this.#env = env;
    for (const id of ids)
      this.nodes.set(id, { id, db: `${dir}/${id}.db`, port: 0, child: null, pending: new Map() });
  }

  async #spawn(n: ProcessNode, founder: boolean): Promise<void> {
    const child = spawn(process.execPath, ["--import", hooks, fixture], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: {
        ...process.env,
        ...this.#env,
        RAFT_ID: n.id,
        RAFT_DB: n.db,
        RAFT_SECRET: "test-cluster-secret-0123456789",
        RAFT_PORT: String(n.port),
        ...(founder ? { RAFT_MEMBERS: this.#members.join(",") } : {}),
      },
    });
    n.child = child;
    await new Promise<void>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`${n.id} exited early (${code})`)));
      child.on("message", (raw) => {
        const m = raw as { t: string; port?: number; id?: number } & Reply;
        if (m.t === "listening") {
          n.port = m.port!;
          resolve();
        } else if (m.t === "reply") {
          n.pending.get(m.id!)?.(m);
          n.pending.delete(m.id!);
        }
      });
    });
    child.removeAllListeners("exit");
    child.on("exit", () => {
      if (n.child === child) n.child = null;
      for (const r of n.pending.values()) r({ ok: false, code: "EXITED" });
      n.pending.clear();
    });
  }

  #peers(): Record<string, { host: string; port: number }> {
    return Object.fromEntries(
      [...this.nodes.values()].map((n) => [n.id, { host: "127.0.0.1", port: n.port }]),
    );
  }

  async start(): Promise<void> {
    for (const n of this.nodes.values()) await this.#spawn(n, true);
    for (const n of this.nodes.values()) n.child!.send({ t: "peers", peers: this.#peers() });
  }

  /** Restarts a killed node on its old port and database. */
  async restart(id: string): Promise<void> {
    const n = this.nodes.get(id)!;
    await this.#spawn(n, false);
    n.child!.send({ t: "peers", peers: this.#peers() });
  }

  kill9(id: string): void {
    const n = this.nodes.get(id)!;
    n.child?.kill("SIGKILL");
    n.child = null;
  }

  /** Freezes a node's process (SIGSTOP): it keeps its sockets and its state, and does nothing. */
  pause(id: string): void {
    this.nodes.get(id)!.child?.kill("SIGSTOP");
  }

  /** Resumes a paused node's process (SIGCONT). */
  resume(id: string): void {
    this.nodes.get(id)!.child?.kill("SIGCONT");
  }

  call(id: string, msg: Record<string, unknown>, timeoutMs = 5000): Promise<Reply> {
    const n = this.nodes.get(id)!;
    const child = n.child;
    if (!child?.connected) return Promise.resolve({ ok: false, code: "DOWN" });
    const reqId = ++seq;
    return new Promise<Reply>((resolve) => {
      const timer = setTimeout(() => {
        n.pending.delete(reqId);
        resolve({ ok: false, code: "TIMEOUT" });
      }, timeoutMs);
      n.pending.set(reqId, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      child.send({ ...msg, id: reqId });
    });
  }

  /** Polls until some live node is leader; returns its id. */
  async leader(timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const id of this.nodes.keys()) {
        const r = await this.call(id, { t: "status" }, 1000);
        if (r.ok && (r.value as { role: string }).role === "leader") return id;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("no leader");
  }

  /** Writes through whichever node leads, following leader hints; resolves true once acknowledged. */
  async put(
    key: string,
    value: string,
    hint: { leader: string | null },
    deadlineMs = 20_000,
  ): Promise<boolean> {
    const deadline = Date.now() + deadlineMs;
    const ids = [...this.nodes.keys()];
    let i = 0;
    while (Date.now() < deadline) {
      const target = hint.leader && this.nodes.get(hint.leader)?.child ? hint.leader : ids[i++ % ids.length]!;
      const r = await this.call(target, { t: "put", key, value });
      if (r.ok) {
        hint.leader = target;
        return true;
      }
      hint.leader = r.code === "RAFT_NOT_LEADER" ? (r.leader ?? null) : null;
      if (!hint.leader) await new Promise((res) => setTimeout(res, 10));
    }
    return false;
  }

  async stop(): Promise<void> {
    for (const n of this.nodes.values()) {
      const c = n.child;
      if (!c) continue;
      await new Promise<void>((resolve) => {
        c.once("exit", () => resolve());
        c.kill("SIGKILL");
      });
    }
  }
}
