// A real 3-member etcd (Debian's `etcd-server`) on free loopback ports, for the engine benchmarks. The
// server's tests have their own (packages/server/test/etcdCluster.ts), but it imports through `.js`
// specifiers compiled by vitest and talks through the `etcd3` client, neither of which Node's type
// stripping can run from here; this one asks the members' JSON gateway (`/v3/…`) instead.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Engine, eventually, freePorts } from "./nodes.ts";

interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  process: ChildProcess | undefined;
}

/** One member's view from `POST /v3/maintenance/status` (uint64 ids come as strings in JSON). */
interface Status {
  header: { member_id: string };
  leader: string;
}

/** A 3-member etcd cluster in temporary directories; members can be killed (SIGKILL) and restarted. */
export class EtcdMembers {
  readonly #members: Member[];
  readonly #root: string;
  readonly #token = `amstaff-bench-${process.pid}-${Date.now()}`;

  private constructor(members: Member[], root: string) {
    this.#members = members;
    this.#root = root;
  }

  /** Starts `size` members and resolves once one of them knows a leader. */
  static async start(size = 3): Promise<EtcdMembers> {
    const root = mkdtempSync(join(tmpdir(), "amstaff-bench-etcd-"));
    const ports = await freePorts(size * 2);
    const members = Array.from({ length: size }, (_, i) => ({
      name: `etcd${i}`,
      clientPort: ports[2 * i]!,
      peerPort: ports[2 * i + 1]!,
      dataDir: join(root, `etcd${i}`),
      process: undefined,
    }));
    const etcd = new EtcdMembers(members, root);
    for (let i = 0; i < size; i++) etcd.#spawn(i);
    await etcd.leader();
    return etcd;
  }

  /** The members' client URLs, killed ones included (as an operator would configure them). */
  get endpoints(): string[] {
    return this.#members.map((m) => `http://127.0.0.1:${m.clientPort}`);
  }

  #spawn(i: number): void {
    const m = this.#members[i]!;
    const initialCluster = this.#members.map((o) => `${o.name}=http://127.0.0.1:${o.peerPort}`).join(",");
    m.process = spawn(
      "etcd",
      [
        `--name=${m.name}`,
        `--data-dir=${m.dataDir}`,
        `--listen-client-urls=${this.endpoints[i]}`,
        `--advertise-client-urls=${this.endpoints[i]}`,
        `--listen-peer-urls=http://127.0.0.1:${m.peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${m.peerPort}`,
        `--initial-cluster=${initialCluster}`,
        "--initial-cluster-state=new",
        `--initial-cluster-token=${this.#token}`,
        // The same fast elections as the server's tests: a killed leader is replaced within about a second.
        "--heartbeat-interval=50",
        "--election-timeout=500",
        "--logger=zap",
        "--log-level=error",
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
  }

  async #status(i: number): Promise<Status | undefined> {
    const response = await fetch(`${this.endpoints[i]}/v3/maintenance/status`, {
      method: "POST",
      body: "{}",
      signal: AbortSignal.timeout(1_000),
    }).catch(() => undefined);
    return response?.ok ? ((await response.json()) as Status) : undefined;
  }

  /** The index of the member that leads now: the one whose own id is the leader it reports. */
  leader(): Promise<number> {
    return eventually(
      async () => {
        for (let i = 0; i < this.#members.length; i++) {
          const status = await this.#status(i);
          if (status && status.leader !== "0" && status.header.member_id === status.leader) return i;
        }
        return undefined;
      },
      30_000,
      "an etcd leader",
      100,
    );
  }

  /** Kills member `i` with SIGKILL (no clean shutdown) and waits until it is gone. */
  async kill(i: number): Promise<void> {
    const child = this.#members[i]!.process;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  /** Starts member `i` again on its data directory and waits until it answers. */
  async restart(i: number): Promise<void> {
    this.#spawn(i);
    await eventually(() => this.#status(i), 30_000, `${this.#members[i]!.name} back`, 100);
  }

  /** Stops every member and removes their data. */
  async stop(): Promise<void> {
    await Promise.all(this.#members.map((_, i) => this.kill(i)));
    rmSync(this.#root, { recursive: true, force: true });
  }
}

/** The engines a bench compares: `--engine raft`, `etcd`, or both comma-separated. */
export type EngineName = Engine["name"];

/** Parses `--engine` (`raft`, `etcd` or `raft,etcd`). */
export function engineNames(value: string): EngineName[] {
  const names = value.split(",").map((n) => n.trim());
  for (const name of names)
    if (name !== "raft" && name !== "etcd") throw new Error(`--engine: "${name}" is neither raft nor etcd`);
  return names as EngineName[];
}

let prefixes = 0;

/**
 * Runs `bench` with an engine named `name`: Raft needs nothing; etcd gets a fresh 3-member cluster (and a
 * key prefix of its own), stopped when `bench` settles.
 */
export async function withEngine<T>(
  name: EngineName,
  bench: (engine: Engine, etcd: EtcdMembers | undefined) => Promise<T>,
): Promise<T> {
  if (name === "raft") return bench({ name }, undefined);
  const etcd = await EtcdMembers.start();
  try {
    return await bench(
      { name, endpoints: etcd.endpoints, prefix: `/bench-${process.pid}-${++prefixes}` },
      etcd,
    );
  } finally {
    await etcd.stop();
  }
}
