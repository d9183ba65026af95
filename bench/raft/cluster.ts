// What bench.ts needs of a three-member cluster, whichever system it is, and the helpers both clusters use.
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = 100;

export interface Syncs {
  count: number;
  seconds: number;
}
export const noSyncs: Syncs = { count: Number.NaN, seconds: Number.NaN };

export interface Attempt {
  ok: boolean;
  /** Index of the member the server named as leader (ours only: etcd forwards to its leader itself). */
  leader?: number | null;
}

/** Three server processes and one client connection to each of them. */
export interface System {
  name: string;
  put(member: number, key: string, value: string, timeoutMs: number): Promise<Attempt>;
  /** Index of the live member that is leader (bounded wait). */
  leader(): Promise<number>;
  /** Durable log writes (fsyncs) the member has done so far, and the seconds they took. */
  durableWrites(member: number): Promise<Syncs>;
  pids(): number[];
  /** Ours only: the member's save() and event-loop-delay percentiles since the last call (ms). */
  diagnostics?(member: number): Promise<Record<string, number> | undefined>;
  kill9(member: number): void;
  restart(member: number): Promise<void>;
  stop(): Promise<void>;
}

export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, async () => {
      const s = createServer();
      s.listen(0, "127.0.0.1");
      await once(s, "listening");
      return s;
    }),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** utime + stime of a process in milliseconds, from /proc (the same measure for node and etcd). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}
