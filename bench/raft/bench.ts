// Benchmark of @amstaff/raft (3 OS processes, TCP on loopback, SQLite WAL synchronous=FULL, default
// timing) against etcd (Debian etcd-server, 3 members on loopback) when installed. Not a test.
// Run from packages/raft:  npx -y pnpm@12.21.0 exec node --import ./scripts/tsHooks.mjs ../../bench/raft/bench.ts
// Options: --seq N (sequential writes, default 500) --seconds S (throughput window, default 5)
//          --writers W (default 64) --trials T (failover trials, default 5) --no-etcd
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ProcessCluster } from "../../packages/raft/src/__tests__/processCluster.ts";

const { values } = parseArgs({
  options: {
    seq: { type: "string", default: "500" },
    seconds: { type: "string", default: "5" },
    writers: { type: "string", default: "64" },
    trials: { type: "string", default: "5" },
    "no-etcd": { type: "boolean", default: false },
  },
});
const SEQ = Number(values.seq);
const SECONDS = Number(values.seconds);
const WRITERS = Number(values.writers);
const TRIALS = Number(values.trials);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Target {
  name: string;
  put(key: string, value: string): Promise<boolean>;
  killLeader(): Promise<void>;
  restartKilled(): Promise<void>;
  stop(): Promise<void>;
}

interface Result {
  p50: number;
  p99: number;
  throughput: number;
  failovers: number[];
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function measure(t: Target): Promise<Result> {
  for (let i = 0; i < 50; i++) await t.put(`warm${i}`, "x");
  const lat: number[] = [];
  for (let i = 0; i < SEQ; i++) {
    const s = performance.now();
    if (!(await t.put(`seq${i}`, `v${i}`))) throw new Error(`${t.name}: sequential write failed`);
    lat.push(performance.now() - s);
  }
  let done = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) if (await t.put(`w${w}-${i}`, "v")) done++;
    }),
  );
  const throughput = done / SECONDS;
  const failovers: number[] = [];
  for (let k = 0; k < TRIALS; k++) {
    await t.killLeader();
    const s = performance.now();
    for (let i = 0; !(await t.put(`fail${k}-${i}`, "v")); i++) {
      // keep trying until the first acknowledged write
    }
    failovers.push(performance.now() - s);
    await t.restartKilled();
    await sleep(2000);
  }
  return { p50: pct(lat, 50), p99: pct(lat, 99), throughput, failovers };
}

async function ours(dir: string): Promise<Target> {
  mkdirSync(dir, { recursive: true });
  const c = new ProcessCluster(["r1", "r2", "r3"], dir);
  await c.start();
  const hint = { leader: (await c.leader()) as string | null };
  let killed: string | null = null;
  return {
    name: "@amstaff/raft",
    put: (k, v) => c.put(k, v, hint, 10_000),
    async killLeader() {
      const l = await c.leader();
      killed = l;
      c.kill9(l);
    },
    async restartKilled() {
      if (killed) await c.restart(killed);
      killed = null;
    },
    stop: () => c.stop(),
  };
}

async function etcd(dir: string): Promise<Target | null> {
  const which = spawn("sh", ["-c", "command -v etcd"]);
  const found = await new Promise<boolean>((r) => which.on("exit", (code) => r(code === 0)));
  if (!found) return null;
  const names = ["e1", "e2", "e3"];
  const base = 23790 + Math.floor(Math.random() * 100) * 10;
  const client = (i: number) => `http://127.0.0.1:${base + i}`;
  const peer = (i: number) => `http://127.0.0.1:${base + 5 + i}`;
  const initial = names.map((n, i) => `${n}=${peer(i)}`).join(",");
  const procs: (ChildProcess | null)[] = [null, null, null];
  const start = (i: number, state: string) => {
    procs[i] = spawn(
      "etcd",
      [
        `--name=${names[i]}`,
        `--data-dir=${dir}/${names[i]}`,
        `--listen-client-urls=${client(i)}`,
        `--advertise-client-urls=${client(i)}`,
        `--listen-peer-urls=${peer(i)}`,
        `--initial-advertise-peer-urls=${peer(i)}`,
        `--initial-cluster=${initial}`,
        `--initial-cluster-state=${state}`,
        "--log-level=error",
      ],
      { stdio: "ignore" },
    );
  };
  for (let i = 0; i < 3; i++) start(i, "new");
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  let preferred = 0;
  const putOn = async (i: number, k: string, v: string) => {
    try {
      const r = await fetch(`${client(i)}/v3/kv/put`, {
        method: "POST",
        body: JSON.stringify({ key: b64(k), value: b64(v) }),
        signal: AbortSignal.timeout(2000),
      });
      return r.ok;
    } catch {
      return false;
    }
  };
  const leaderIndex = async (): Promise<number> => {
    for (;;) {
      for (let i = 0; i < 3; i++) {
        if (!procs[i]) continue;
        try {
          const r = await fetch(`${client(i)}/v3/maintenance/status`, { method: "POST", body: "{}" });
          const j = (await r.json()) as { header: { member_id: string }; leader: string };
          if (j.leader && j.header.member_id === j.leader) return i;
        } catch {
          // not up yet
        }
      }
      await sleep(50);
    }
  };
  let killed = -1;
  preferred = await leaderIndex();
  return {
    name: "etcd",
    async put(k, v) {
      for (let n = 0; n < 3; n++) {
        const i = (preferred + n) % 3;
        if (!procs[i]) continue;
        if (await putOn(i, k, v)) {
          preferred = i;
          return true;
        }
      }
      return false;
    },
    async killLeader() {
      killed = await leaderIndex();
      procs[killed]!.kill("SIGKILL");
      procs[killed] = null;
      preferred = (killed + 1) % 3;
    },
    async restartKilled() {
      if (killed >= 0) start(killed, "existing");
      killed = -1;
    },
    async stop() {
      for (const p of procs) p?.kill("SIGKILL");
    },
  };
}

const fmt = (n: number) => n.toFixed(n < 10 ? 2 : 0);
const dir = mkdtempSync(join(tmpdir(), "raft-bench-"));
const results: [string, Result][] = [];
try {
  const o = await ours(join(dir, "raft"));
  results.push([o.name, await measure(o)]);
  await o.stop();
  if (!values["no-etcd"]) {
    const e = await etcd(join(dir, "etcd"));
    if (e) {
      results.push([e.name, await measure(e)]);
      await e.stop();
    } else console.warn("etcd not found: install etcd-server to compare");
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const rows = results.map(([name, r]) => [
  name,
  fmt(r.p50),
  fmt(r.p99),
  fmt(r.throughput),
  fmt(pct(r.failovers, 50)),
  fmt(Math.max(...r.failovers)),
]);
console.warn(
  `sequential writes: ${SEQ}, throughput: ${WRITERS} writers for ${SECONDS}s, failover trials: ${TRIALS}`,
);
console.warn(
  "| system | write p50 ms | write p99 ms | writes/s (64 writers) | failover median ms | failover max ms |",
);
console.warn("|---|---|---|---|---|---|");
for (const r of rows) console.warn(`| ${r.join(" | ")} |`);
if (results.length === 2) {
  const [a, b] = [results[0]![1], results[1]![1]];
  console.warn(
    `| ours/etcd | ${fmt(a.p50 / b.p50)} | ${fmt(a.p99 / b.p99)} | ${fmt(a.throughput / b.throughput)} | ${fmt(pct(a.failovers, 50) / pct(b.failovers, 50))} | |`,
  );
}
console.warn(
  `failover trials (ms): ${results.map(([n, r]) => `${n}: ${r.failovers.map((x) => x.toFixed(0)).join(", ")}`).join("; ")}`,
);
process.exit(0);
