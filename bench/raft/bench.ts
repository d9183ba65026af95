// @amstaff/raft against etcd, driven the same way: this process is the client (and the orchestrator) and
// talks to each system's three server processes over loopback TCP only — etcd through its native gRPC API
// (@grpc/grpc-js, etcd.proto), our nodes through the small length-prefixed JSON endpoint of kvServer.ts.
// Both durable: our nodes use SqliteStorage (WAL, synchronous=FULL), etcd its default WAL (fdatasync).
// Run (after building packages/raft):  npx -y pnpm@12.21.0 --filter @amstaff/bench run raft [-- options]
// Options: --seq N (sequential writes, default 3000) --warmup N (untimed writes before them, default 1000)
//          --rounds R (the sequential writes in R rounds, each system's alternating with the other's,
//          default 10) --seconds S (throughput window, default 5)
//          --writers W (default 64) --trials T (failover trials, default 5) --no-etcd --no-ours
//          --etcd-heartbeat MS --etcd-election MS (default: etcd's own 100 / 1000)
//          --failover-attempt-ms MS (per-attempt deadline during failover trials, default 100)
//          --diagnostics (ours: save() and event-loop-delay percentiles per phase; adds a 1 ms loop timer)
//          --tls (ours: Raft over mutual TLS, certificates from `amstaff-server certs`; build the server first)
//          "--node-args=FLAGS" (ours: Node flags for the three nodes, after an =, e.g. "--node-args=--cpu-prof --cpu-prof-dir=/tmp/p")
//          --against DIR (a second cluster of ours on another build of @amstaff/raft — its `dist` copied to a
//          directory inside packages/raft, so that its dependencies resolve — in the same alternating rounds;
//          with --no-etcd the ratio column compares the workspace's build with it)
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { writeTrace } from "@amstaff/raft";
import { cpuMs, type Syncs, type System, sleep } from "./cluster.ts";
import { etcd } from "./etcdCluster.ts";
import { ours } from "./oursCluster.ts";

const { values } = parseArgs({
  // `pnpm run raft -- --x` passes the "--" through
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    seq: { type: "string", default: "3000" },
    warmup: { type: "string", default: "1000" },
    rounds: { type: "string", default: "10" },
    seconds: { type: "string", default: "5" },
    writers: { type: "string", default: "64" },
    trials: { type: "string", default: "5" },
    "no-etcd": { type: "boolean", default: false },
    "no-ours": { type: "boolean", default: false },
    diagnostics: { type: "boolean", default: false },
    tls: { type: "boolean", default: false },
    "node-args": { type: "string", default: "" },
    against: { type: "string" },
    "etcd-heartbeat": { type: "string" },
    "failover-attempt-ms": { type: "string", default: "100" },
    "etcd-election": { type: "string" },
  },
});
const SEQ = Number(values.seq);
/** The sequential writes of each system, in this many rounds alternating between the two. */
const ROUNDS = Number(values.rounds);
/** Node flags for our three nodes (Node refuses profiler flags in NODE_OPTIONS). */
const nodeArgs = values["node-args"].split(" ").filter(Boolean);
const SECONDS = Number(values.seconds);
const WRITERS = Number(values.writers);
const TRIALS = Number(values.trials);
/**
 * Untimed writes before the first round, for each system: our nodes' JavaScript is compiled and optimized
 * while it runs (V8's tiers), so the first few hundred writes measure the compiler, not the steady state
 * (server CPU per write 1,100–1,200 µs in the first 300 against 700–850 µs after; bench/README.md).
 */
const WARMUP = Number(values.warmup);
/** Untimed writes of each system right before the first round (after the idle-CPU pause). */
const REWARM = 200;
/** Per-attempt deadline of a write, the same for both systems. */
const ATTEMPT_MS = 2000;
/**
 * Per-attempt deadline while measuring failover: an etcd follower forwards a write to the leader it still
 * believes in, and a write forwarded to the killed leader is lost, so with ATTEMPT_MS the measured failover
 * would be ATTEMPT_MS whatever etcd's real recovery time. Probing with short attempts measures the
 * recovery itself (to within this resolution); ours rejects at followers at once, so it is unaffected.
 */
const FAILOVER_ATTEMPT_MS = Number(values["failover-attempt-ms"]);
/** A write (with failover retries) gives up after this long. */
const WRITE_DEADLINE_MS = 15_000;

// ---------------------------------------------------------------------------------------------------------
// The client: the same policy for both systems.

/**
 * Writes through the member believed to lead; on a failed attempt follows the server's leader hint if it
 * gave one, else tries the next member after 10 ms. Resolves true once a write is acknowledged.
 */
class Client {
  preferred = 0;
  attemptMs = ATTEMPT_MS;
  readonly #system: System;
  constructor(system: System) {
    this.#system = system;
  }
  async put(key: string, value: string): Promise<boolean> {
    const deadline = performance.now() + WRITE_DEADLINE_MS;
    while (performance.now() < deadline) {
      const target = this.preferred;
      const r = await this.#system.put(target, key, value, this.attemptMs);
      if (r.ok) return true;
      if (this.preferred !== target) continue; // another writer already moved on
      if (r.leader != null && r.leader !== target) this.preferred = r.leader;
      else {
        this.preferred = (target + 1) % 3;
        await sleep(10);
      }
    }
    return false;
  }
}

interface Result {
  idleCpu: number;
  seq: number[];
  /** p50 of each round of sequential writes (ms), in the order run. */
  seqRounds: number[];
  /** Server CPU per write of each round (µs, idle CPU taken out), in the order run. */
  seqRoundCpuUs: number[];
  seqSyncMs: number;
  seqFollowerSyncMs: number;
  seqCpuUs: number;
  loaded: number[];
  throughput: number;
  serverCpuUs: number;
  clientCpuUs: number;
  cores: number;
  leaderSyncsPer1000: number;
  failovers: number[];
  diagnostics: string[];
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const serverCpu = (system: System) => system.pids().reduce((sum, pid) => sum + cpuMs(pid), 0);

/** A system warmed up, with its idle CPU measured: what its sequential rounds and the rest start from. */
interface Run {
  system: System;
  c: Client;
  idleCpu: number;
  follower: number;
  seq: number[];
  seqRounds: number[];
  seqRoundCpuUs: number[];
  seqCpuMs: number;
  seqElapsedMs: number;
  /** The leader's and the follower's durable writes before the first round (idle members write none). */
  leaderSyncs0: Syncs;
  followerSyncs0: Syncs;
  diagnostics: string[];
}

/** Diagnostics of the leader and a follower since the last call (ours with `--diagnostics` only). */
async function diagnose(run: Run, phase: string): Promise<void> {
  if (!values.diagnostics || !run.system.diagnostics) return;
  for (const [role, member] of [
    ["leader", run.c.preferred],
    ["follower", run.follower],
  ] as const) {
    const d = await run.system.diagnostics(member);
    if (!d) continue;
    run.diagnostics.push(
      `${phase}, ${role}: save() p50/p99/max ${d.saveP50!.toFixed(1)}/${d.saveP99!.toFixed(1)}/` +
        `${d.saveMax!.toFixed(1)} ms, event-loop delay p99/max ${d.loopP99!.toFixed(1)}/${d.loopMax!.toFixed(1)} ms`,
    );
  }
}

/** The mean duration of the durable writes between two readings, in ms. */
const meanSyncMs = (now: Syncs, before: Syncs) =>
  ((now.seconds - before.seconds) * 1000) / (now.count - before.count);

/** Warm-up writes, then 3 s without any to measure the system's idle CPU (heartbeats and the like). */
async function prepare(system: System): Promise<Run> {
  const c = new Client(system);
  c.preferred = await system.leader();
  for (let i = 0; i < WARMUP; i++) await c.put(`warm${i}`, "x");
  const cpu0 = serverCpu(system);
  await sleep(3000);
  const follower = (c.preferred + 1) % 3;
  const run: Run = {
    system,
    c,
    idleCpu: (serverCpu(system) - cpu0) / 3,
    follower,
    seq: [],
    seqRounds: [],
    seqRoundCpuUs: [],
    seqCpuMs: 0,
    seqElapsedMs: 0,
    leaderSyncs0: await system.durableWrites(c.preferred),
    followerSyncs0: await system.durableWrites(follower),
    diagnostics: [],
  };
  await diagnose(run, "reset");
  run.diagnostics.length = 0;
  return run;
}

/** Server CPU per write in µs over `elapsedMs` of `writes` writes, the members' idle CPU taken out. */
const activeCpuUsPerWrite = (run: Run, cpuMs: number, elapsedMs: number, writes: number) =>
  ((cpuMs - run.idleCpu * (elapsedMs / 1000)) * 1000) / writes;

/** One round of `n` sequential writes: each waits for the previous one's acknowledgement. */
async function sequentialRound(run: Run, n: number): Promise<void> {
  const { system, c } = run;
  // AMSTAFF_RAFT_TRACE: our sequential writes' timelines (traceReport.ts); etcd's nodes trace nothing.
  const trace = system.diagnostics ? writeTrace : undefined;
  const round: number[] = [];
  const cpu0 = serverCpu(system);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const k = run.seq.length;
    const s = performance.now();
    trace?.("clientSend", k);
    if (!(await c.put(`seq${k}`, `value-${k}`))) throw new Error(`${system.name}: sequential write failed`);
    trace?.("clientRead", k);
    const ms = performance.now() - s;
    run.seq.push(ms);
    round.push(ms);
  }
  const elapsedMs = performance.now() - t0;
  const cpuMs = serverCpu(system) - cpu0;
  run.seqElapsedMs += elapsedMs;
  run.seqCpuMs += cpuMs;
  run.seqRounds.push(pct(round, 50));
  run.seqRoundCpuUs.push(activeCpuUsPerWrite(run, cpuMs, elapsedMs, n));
}

/** Throughput under `WRITERS` concurrent writers, then the failover trials; the run's whole result. */
async function finish(run: Run): Promise<Result> {
  const { system, c } = run;
  await diagnose(run, "sequential");
  // Heartbeats and the rest of an idle cluster's work are taken out: what is left is the writes' own work.
  const seqCpuUs = activeCpuUsPerWrite(run, run.seqCpuMs, run.seqElapsedMs, run.seq.length);
  const leader = c.preferred;
  const syncs0 = await system.durableWrites(leader);
  const seqSyncMs = meanSyncMs(syncs0, run.leaderSyncs0);
  const seqFollowerSyncMs = meanSyncMs(await system.durableWrites(run.follower), run.followerSyncs0);
  const loaded: number[] = [];
  let done = 0;
  const cpu0 = serverCpu(system);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        const s = performance.now();
        if (await c.put(`w${w}-${i}`, `value-${i}`)) {
          done++;
          loaded.push(performance.now() - s);
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(client0);
  const serverMs = serverCpu(system) - cpu0;
  const clientMs = (client.user + client.system) / 1000;
  const syncs = (await system.durableWrites(leader)).count - syncs0.count;
  await diagnose(run, `${WRITERS} writers`);

  const failovers: number[] = [];
  c.attemptMs = FAILOVER_ATTEMPT_MS;
  for (let k = 0; k < TRIALS; k++) {
    const victim = await system.leader();
    c.preferred = victim;
    system.kill9(victim);
    const s = performance.now();
    if (!(await c.put(`fail${k}`, "v"))) throw new Error(`${system.name}: no write after failover`);
    failovers.push(performance.now() - s);
    await system.restart(victim);
    await sleep(2000);
  }
  return {
    idleCpu: run.idleCpu,
    seq: run.seq,
    seqRounds: run.seqRounds,
    seqRoundCpuUs: run.seqRoundCpuUs,
    seqSyncMs,
    seqFollowerSyncMs,
    seqCpuUs,
    loaded,
    throughput: done / elapsed,
    serverCpuUs: (serverMs * 1000) / done,
    clientCpuUs: (clientMs * 1000) / done,
    cores: (serverMs + clientMs) / 1000 / elapsed,
    leaderSyncsPer1000: (syncs * 1000) / done,
    failovers,
    diagnostics: run.diagnostics,
  };
}

// ---------------------------------------------------------------------------------------------------------

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 0) : "n/a");
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? (a / b).toFixed(2) : "");
const load0 = loadavg()[0]!;
const dir = mkdtempSync(join(tmpdir(), "raft-bench-"));
const results: [string, Result][] = [];
const running: System[] = [];
try {
  // Both clusters run side by side and their sequential writes alternate in rounds, so that the ratio
  // compares the two at the same moments: on a shared machine the disk's and the scheduler's speed drift
  // over a minute by more than the difference being measured.
  const startOurs = (name: string, raftDist?: string) => {
    mkdirSync(join(dir, name));
    return ours(join(dir, name), {
      tls: values.tls,
      diagnostics: values.diagnostics,
      nodeArgs,
      // Relative to where the command was typed (pnpm runs the script in bench/ and says where in INIT_CWD).
      ...(raftDist ? { raftDist: resolve(process.env.INIT_CWD ?? process.cwd(), raftDist) } : {}),
    });
  };
  if (!values["no-ours"]) running.push(await startOurs("raft"));
  if (values.against) running.push(await startOurs("against", values.against));
  if (!values["no-etcd"]) {
    mkdirSync(join(dir, "etcd"));
    const e = await etcd(join(dir, "etcd"), {
      heartbeatMs: values["etcd-heartbeat"],
      electionMs: values["etcd-election"],
    });
    if (e) running.push(e);
    else console.warn("etcd not found: install etcd-server to compare");
  }
  const runs: Run[] = [];
  for (const system of running) runs.push(await prepare(system));
  // Each system was idle since its own warm-up (the first for seconds longer than the second), and the first
  // writes after a pause are slower (a first round 0.05–0.1 worse in ratio than the rest): a few untimed writes
  // each, back to back, before the first round.
  for (const run of runs) for (let i = 0; i < REWARM; i++) await run.c.put(`rewarm${i}`, "x");
  const rounds = Math.max(1, Math.min(ROUNDS, SEQ));
  for (let r = 0; r < rounds; r++) {
    const n = Math.floor((SEQ * (r + 1)) / rounds) - Math.floor((SEQ * r) / rounds);
    // Each system goes first in every other round: neither always follows the other's writes.
    for (const run of r % 2 === 0 ? runs : [...runs].reverse()) await sequentialRound(run, n);
  }
  for (const run of runs) results.push([run.system.name, await finish(run)]);
} finally {
  for (const s of running) await s.stop();
  rmSync(dir, { recursive: true, force: true });
}

const rows: [string, (r: Result) => number][] = [
  ["sequential write p50 (ms)", (r) => pct(r.seq, 50)],
  ["sequential write p99 (ms)", (r) => pct(r.seq, 99)],
  ["leader log fsync mean, sequential phase (ms)", (r) => r.seqSyncMs],
  ["follower log fsync mean, sequential phase (ms)", (r) => r.seqFollowerSyncMs],
  ["server CPU per sequential write (µs, 3 members, idle CPU taken out)", (r) => r.seqCpuUs],
  [`writes/s, ${WRITERS} concurrent writers`, (r) => r.throughput],
  [`write p50 under load (ms)`, (r) => pct(r.loaded, 50)],
  [`write p99 under load (ms)`, (r) => pct(r.loaded, 99)],
  ["server CPU per write under load (µs, 3 members)", (r) => r.serverCpuUs],
  ["client CPU per write under load (µs)", (r) => r.clientCpuUs],
  ["CPU busy under load (cores, servers + client)", (r) => r.cores],
  ["leader log fsyncs per 1000 writes under load", (r) => r.leaderSyncsPer1000],
  ["server CPU when idle (ms per s, 3 members)", (r) => r.idleCpu],
  ["failover median (ms)", (r) => pct(r.failovers, 50)],
  ["failover max (ms)", (r) => Math.max(...r.failovers)],
];
console.warn(
  `sequential writes: ${SEQ}; ${WRITERS} writers for ${SECONDS}s; failover trials: ${TRIALS}; ` +
    `etcd heartbeat/election: ${values["etcd-heartbeat"] ?? 100}/${values["etcd-election"] ?? 1000} ms; ` +
    `attempt deadline ${ATTEMPT_MS} ms (${FAILOVER_ATTEMPT_MS} ms in failover trials); ` +
    `load average (1 min) at start/end: ${load0.toFixed(1)}/${loadavg()[0]!.toFixed(1)} on 2 cores`,
);
/** What the ratio column compares: ours with etcd, or (`--against` without etcd) one build with the other. */
const ratioName = results.length === 2 && values.against && values["no-etcd"] ? "this/against" : "ours/etcd";
console.warn(
  `| metric | ${results.map(([n]) => n).join(" | ")} |${results.length === 2 ? ` ${ratioName} |` : ""}`,
);
console.warn(`|---|${results.map(() => "---|").join("")}${results.length === 2 ? "---|" : ""}`);
for (const [label, get] of rows) {
  const v = results.map(([, r]) => get(r));
  console.warn(
    `| ${label} | ${v.map(fmt).join(" | ")} |${v.length === 2 ? ` ${ratio(v[0]!, v[1]!)} |` : ""}`,
  );
}
if (results.length === 2) {
  const [a, b] = results.map(([, r]) => r.seqRounds) as [number[], number[]];
  const ratios = a.map((x, i) => x / b[i]!);
  console.warn(
    `sequential p50 per round (ms), ${results[0]![0]}: ${a.map(fmt).join(", ")}; ${results[1]![0]}: ` +
      `${b.map(fmt).join(", ")}; ${ratioName} per round: ${ratios.map((x) => x.toFixed(2)).join(", ")} ` +
      `(median ${pct(ratios, 50).toFixed(2)})`,
  );
}
for (const [name, r] of results) {
  console.warn(
    `server CPU per sequential write per round (µs), ${name}: ${r.seqRoundCpuUs.map((x) => x.toFixed(0)).join(", ")}`,
  );
}
for (const [name, r] of results) {
  console.warn(`failover trials ${name} (ms): ${r.failovers.map((x) => x.toFixed(0)).join(", ")}`);
}
for (const [name, r] of results) for (const line of r.diagnostics) console.warn(`${name} ${line}`);
process.exit(0);
