import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { eventually, freePorts } from "./serverProcess.js";

/** PEM files of the members' TLS: client connections then need a certificate signed by `ca`. */
export interface EtcdTls {
  ca: string;
  cert: string;
  key: string;
}

/** One member of an {@link EtcdCluster}: Debian's `etcd` on loopback, with a data directory of its own. */
interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  process: ChildProcess | undefined;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * A real 3-member etcd cluster (Debian's `etcd-server`, installed by the `etcd` test service) on free
 * loopback ports, in temporary data directories removed by {@link EtcdCluster.stop}. Members can be
 * killed with SIGKILL and restarted on their data, for failure tests.
 */
export class EtcdCluster {
  readonly #members: Member[];
  readonly #root: string;
  readonly #token = `amstaff-test-${process.pid}-${Date.now()}`;
  readonly #tls: EtcdTls | undefined;
  readonly #maxRequestBytes: number | undefined;

  private constructor(members: Member[], root: string, tls?: EtcdTls, maxRequestBytes?: number) {
    this.#members = members;
    this.#root = root;
    this.#tls = tls;
    this.#maxRequestBytes = maxRequestBytes;
  }

  /**
   * Starts `size` members and resolves once each accepts client connections; with `tls`, clients must
   * speak TLS and present a certificate of its CA (peers still talk plain HTTP on loopback). With
   * `maxRequestBytes`, the members refuse requests larger than that (etcd's default: 1.5 MiB), so that
   * values over the limit can be tested with small ones.
   */
  static async start(size = 3, tls?: EtcdTls, maxRequestBytes?: number): Promise<EtcdCluster> {
    const root = mkdtempSync(join(tmpdir(), "amstaff-etcd-"));
    const ports = await freePorts(size * 2);
    const members = Array.from({ length: size }, (_, i) => ({
      name: `etcd${i}`,
      clientPort: ports[2 * i] as number,
      peerPort: ports[2 * i + 1] as number,
      dataDir: join(root, `etcd${i}`),
      process: undefined,
    }));
    const cluster = new EtcdCluster(members, root, tls, maxRequestBytes);
    for (let i = 0; i < size; i++) cluster.#spawn(i);
    await Promise.all(members.map((_, i) => cluster.#ready(i)));
    return cluster;
  }

  /** The client URLs of every member, killed ones included (as an operator would configure them). */
  get endpoints(): string[] {
    const scheme = this.#tls ? "https" : "http";
    return this.#members.map((m) => `${scheme}://127.0.0.1:${m.clientPort}`);
  }

  #spawn(i: number): void {
    const m = this.#members[i] as Member;
    const initialCluster = this.#members.map((o) => `${o.name}=http://127.0.0.1:${o.peerPort}`).join(",");
    const client = this.endpoints[i] as string;
    const tls = this.#tls
      ? [
          `--cert-file=${this.#tls.cert}`,
          `--key-file=${this.#tls.key}`,
          `--trusted-ca-file=${this.#tls.ca}`,
          "--client-cert-auth",
        ]
      : [];
    const child = spawn(
      "etcd",
      [
        `--name=${m.name}`,
        `--data-dir=${m.dataDir}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        ...tls,
        ...(this.#maxRequestBytes === undefined ? [] : [`--max-request-bytes=${this.#maxRequestBytes}`]),
        `--listen-peer-urls=http://127.0.0.1:${m.peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${m.peerPort}`,
        `--initial-cluster=${initialCluster}`,
        "--initial-cluster-state=new",
        `--initial-cluster-token=${this.#token}`,
        // Fast elections: a killed leader is replaced within about a second.
        "--heartbeat-interval=50",
        "--election-timeout=500",
        "--logger=zap",
        "--log-level=error",
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    m.process = child;
  }

  async #ready(i: number): Promise<void> {
    const m = this.#members[i] as Member;
    await eventually(async () => ((await accepts(m.clientPort)) ? true : undefined), 30_000, `${m.name}`);
  }

  /** The index of the member that leads the etcd cluster now, as the first live member answering sees it. */
  async leader(): Promise<number> {
    for (const endpoint of this.endpoints) {
      const client = new Etcd3({ hosts: endpoint, dialTimeout: 1_000 });
      try {
        const { leader } = await client.maintenance.status({});
        const { members } = await client.cluster.memberList({});
        const name = members.find((m) => m.ID === leader)?.name;
        const index = this.#members.findIndex((m) => m.name === name);
        if (index >= 0) return index;
      } catch {
        // Not up: ask the next one.
      } finally {
        client.close();
      }
    }
    throw new Error("No etcd member knows a leader.");
  }

  /** Kills member `i` with SIGKILL (no clean shutdown) and waits until it is gone. */
  async kill(i: number): Promise<void> {
    const child = (this.#members[i] as Member).process;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  /** Starts member `i` again on its data directory (after {@link EtcdCluster.kill}). */
  async restart(i: number): Promise<void> {
    this.#spawn(i);
    await this.#ready(i);
  }

  /** Stops every member and removes their data. */
  async stop(): Promise<void> {
    await Promise.all(this.#members.map((_, i) => this.kill(i)));
    rmSync(this.#root, { recursive: true, force: true });
  }
}
