// etcd's side of bench.ts: three etcd 3.4 members (Debian etcd-server) on loopback, reached through
// etcd's native gRPC API (@grpc/grpc-js and etcd.proto, the subset of rpc.proto that is used).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { freePorts, noSyncs, type System, until } from "./cluster.ts";

interface EtcdClients {
  kv: grpc.Client & {
    Put(req: object, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null) => void): void;
  };
  maintenance: grpc.Client & {
    Status(
      req: object,
      opts: grpc.CallOptions,
      cb: (e: grpc.ServiceError | null, r?: { header: { member_id: string }; leader: string }) => void,
    ): void;
  };
}

/** etcd's timing, when not its own defaults (100 ms heartbeat, 1000 ms election timeout). */
export interface EtcdOptions {
  heartbeatMs?: string;
  electionMs?: string;
}

/** Three etcd members on loopback, driven through etcd's native gRPC API; null when etcd is not installed. */
export async function etcd(dir: string, options: EtcdOptions = {}): Promise<System | null> {
  const which = spawn("sh", ["-c", "command -v etcd"], { stdio: "ignore" });
  const [code] = (await once(which, "exit")) as [number];
  if (code !== 0) return null;
  const definition = protoLoader.loadSync(fileURLToPath(new URL("./etcd.proto", import.meta.url)), {
    keepCase: true,
    longs: String,
  });
  const pkg = grpc.loadPackageDefinition(definition).etcdserverpb as Record<
    string,
    grpc.ServiceClientConstructor
  >;
  const names = ["e1", "e2", "e3"];
  const ports = await freePorts(6);
  const client = (i: number) => `http://127.0.0.1:${ports[i]}`;
  const peer = (i: number) => `http://127.0.0.1:${ports[3 + i]}`;
  const initial = names.map((n, i) => `${n}=${peer(i)}`).join(",");
  const clients: EtcdClients[] = names.map((_, i) => ({
    kv: new pkg.KV!(`127.0.0.1:${ports[i]}`, grpc.credentials.createInsecure()) as EtcdClients["kv"],
    maintenance: new pkg.Maintenance!(
      `127.0.0.1:${ports[i]}`,
      grpc.credentials.createInsecure(),
    ) as EtcdClients["maintenance"],
  }));
  const children: (ChildProcess | null)[] = [null, null, null];
  const timing = [
    ...(options.heartbeatMs ? [`--heartbeat-interval=${options.heartbeatMs}`] : []),
    ...(options.electionMs ? [`--election-timeout=${options.electionMs}`] : []),
  ];
  const status = (i: number, timeoutMs = 1000) =>
    new Promise<{ member: string; leader: string } | undefined>((resolve) =>
      clients[i]!.maintenance.Status({}, { deadline: Date.now() + timeoutMs }, (e, r) =>
        resolve(e || !r ? undefined : { member: r.header.member_id, leader: r.leader }),
      ),
    );
  const log = openSync(join(dir, "etcd.log"), "a");
  const start = (i: number, state: string) => {
    children[i] = spawn(
      "etcd",
      [
        `--name=${names[i]}`,
        `--data-dir=${join(dir, names[i]!)}`,
        `--listen-client-urls=${client(i)}`,
        `--advertise-client-urls=${client(i)}`,
        `--listen-peer-urls=${peer(i)}`,
        `--initial-advertise-peer-urls=${peer(i)}`,
        `--initial-cluster=${initial}`,
        `--initial-cluster-state=${state}`,
        ...timing,
      ],
      { stdio: ["ignore", "ignore", log] },
    );
  };
  for (let i = 0; i < 3; i++) start(i, "new");
  const system: System = {
    name: "etcd 3.4",
    put: (member, key, value, timeoutMs) =>
      new Promise((resolve) =>
        clients[member]!.kv.Put(
          { key: Buffer.from(key), value: Buffer.from(value) },
          { deadline: Date.now() + timeoutMs },
          (e) => resolve({ ok: !e }),
        ),
      ),
    leader: () =>
      until("an etcd leader", 30_000, async () => {
        for (let i = 0; i < 3; i++) {
          if (!children[i]) continue;
          const s = await status(i);
          if (s && s.leader !== "0" && s.leader === s.member) return i;
        }
        return undefined;
      }),
    async durableWrites(member) {
      try {
        const text = await (await fetch(`${client(member)}/metrics`)).text();
        const count = /^etcd_disk_wal_fsync_duration_seconds_count (\S+)/m.exec(text);
        const sum = /^etcd_disk_wal_fsync_duration_seconds_sum (\S+)/m.exec(text);
        return count && sum ? { count: Number(count[1]), seconds: Number(sum[1]) } : noSyncs;
      } catch {
        return noSyncs;
      }
    },
    pids: () => children.flatMap((c) => (c?.pid ? [c.pid] : [])),
    kill9(member) {
      children[member]?.kill("SIGKILL");
      children[member] = null;
    },
    async restart(member) {
      start(member, "existing");
      await until(`${names[member]} to serve`, 20_000, () => status(member, 200));
    },
    async stop() {
      for (const c of clients) {
        c.kv.close();
        c.maintenance.close();
      }
      await Promise.all(
        children.map(async (c) => {
          if (!c || c.exitCode !== null) return;
          const exited = once(c, "exit");
          c.kill("SIGKILL");
          await exited;
        }),
      );
      closeSync(log);
    },
  };
  try {
    await system.leader();
  } catch (error) {
    await system.stop();
    console.warn(readFileSync(join(dir, "etcd.log"), "utf8").split("\n").slice(-20).join("\n"));
    throw error;
  }
  return system;
}
