// Raft snapshots of a 50,000-monitor server state (issue 20): how long they hold the event loop.
// Part 1, one snapshot: the server's StateMachine (real commands: `--modules` × `--monitors`, default
// 500 × 100, each monitor with its first transition) encoded at once (`snapshot()`, before) and in 4 ms
// slices (`snapshotInSlices()`, after), then written by SqliteStorage in one piece (before) and in
// 256 KiB chunks across turns, compacting `--log-mib` (default 32, the server's ceiling) of entries after
// (after), against the one transaction of before: total time, the longest synchronous stretch (the
// largest gap between two turns of a setImmediate ticker) and the CPU time in it, the longest GC pause.
// Part 2, a node: one RaftNode (SqliteStorage, synchronous=FULL) over that state, fed `--writes`
// transition commands (default 20,000) in batches of 100: snapshots taken, event-loop delay p50/p99/max
// (monitorEventLoopDelay), write latency p99 — with the old policy (every 1000 entries, at once), the new
// one (the server's size policy, slices, chunks), and the new one with a 2 MiB ceiling so that snapshots
// fall inside the window; beside a run that never snapshots, for what applying alone costs the loop.
// Run: npx -y pnpm@12.21.0 --filter @amstaff/bench run raft:snapshot [-- --modules 500 --monitors 100]
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, PerformanceObserver, performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import Database from "../../packages/raft/node_modules/better-sqlite3/lib/index.js";
import {
  EntryType,
  RaftNode,
  type SnapshotPolicyOptions,
  SqliteStorage,
} from "../../packages/raft/src/index.ts";
import { MemoryNetwork } from "../../packages/raft/src/testing.ts";
import { defaultSnapshotPolicy } from "../../packages/server/src/cluster/raftLog.ts";
import type { StateMachine } from "../../packages/server/src/state/stateMachine.ts";
import { benchModule, benchState } from "../state.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    modules: { type: "string", default: "500" },
    monitors: { type: "string", default: "100" },
    writes: { type: "string", default: "20000" },
    "log-mib": { type: "string", default: "32" },
    "skip-node": { type: "boolean", default: false },
  },
});
const modules = Number(values.modules);
const perModule = Number(values.monitors);
const writes = Number(values.writes);

// The state built outside the log starts far above the log's own indexes, so transition ids never clash.
const base = 10_000_000;

type Monitor = { module: string; monitor: string; version: number; status: string };

function buildState(): { machine: StateMachine; monitors: Monitor[] } {
  const { machine, apply } = benchState(base);
  const monitors: Monitor[] = [];
  for (let m = 0; m < modules; m++) {
    const module = `Service ${m}`;
    const definitions = Array.from({ length: perModule }, (_, i) => ({
      name: `Check ${i}`,
      tags: [`team${m % 10}`],
    }));
    const version = apply(benchModule(module, definitions, "30s", 1));
    for (const { name } of definitions) monitors.push({ module, monitor: name, version, status: "pending" });
  }
  for (const m of monitors) apply(transitionOf(m, "ok", nextAt()));
  return { machine, monitors };
}

let clock = 1_000;
/** The time of the next transition: later than every one before. */
const nextAt = () => {
  clock += 10;
  return clock;
};

function transitionOf(m: Monitor, to: string, at: number) {
  const command = {
    type: "transition.record",
    module: m.module,
    monitor: m.monitor,
    moduleVersion: m.version,
    from: m.status,
    to,
    since: at,
    flapping: false,
    result: { status: to, message: `HTTP ${to === "ok" ? 200 : 503}`, durationMs: 5, timestamp: at },
    at,
  };
  m.status = to;
  return command;
}

/** A full collection, when Node runs with --expose-gc (the bench script's flag). */
const fullGc = () => (globalThis as { gc?: () => void }).gc?.();

/** The process's CPU time (every thread: GC helpers, SQLite), in ms. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * Runs `work` while a setImmediate ticker measures the longest stretch without a turn, and the CPU time
 * the process spent in it: on a shared machine a stretch much longer than its CPU time was spent waiting
 * for a core, not running.
 */
async function timed<T>(
  work: () => T | Promise<T>,
): Promise<{ value: T; ms: number; longestMs: number; longestCpuMs: number; gcMs: number }> {
  // Garbage of what ran before is collected now, not in this measure (its own garbage still counts).
  fullGc();
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs = Math.max(gcMs, entry.duration);
  });
  gc.observe({ entryTypes: ["gc"] });
  let longest = 0;
  let longestCpu = 0;
  let last = performance.now();
  let lastCpu = cpuMs();
  let running = true;
  const mark = () => {
    const now = performance.now();
    const cpu = cpuMs();
    if (now - last > longest) {
      longest = now - last;
      longestCpu = cpu - lastCpu;
    }
    last = now;
    lastCpu = cpu;
  };
  const tick = () => {
    mark();
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const start = performance.now();
  const value = await work();
  const ms = performance.now() - start;
  running = false;
  mark();
  // GC entries are delivered on a later turn.
  await new Promise((resolve) => setImmediate(resolve));
  gc.disconnect();
  return { value, ms, longestMs: longest, longestCpuMs: longestCpu, gcMs };
}

const dirs: string[] = [];
const freshDb = () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-snapshot-"));
  dirs.push(dir);
  return join(dir, "raft.db");
};
const conf = { voters: ["a"], learners: [] };
const f = (n: number) => n.toFixed(1);

/** A fresh SqliteStorage holding `--log-mib` of transition entries (what a snapshot then compacts). */
function storageWithLog(machineMonitors: Monitor[]): { path: string; last: number } {
  const path = freshDb();
  const storage = new SqliteStorage({ path });
  const target = Number(values["log-mib"]) * 2 ** 20;
  const encoder = new TextEncoder();
  let bytes = 0;
  let index = 0;
  while (bytes < target) {
    const entries = Array.from({ length: 2000 }, () => {
      const m = machineMonitors[index % machineMonitors.length]!;
      const data = encoder.encode(JSON.stringify(transitionOf({ ...m }, "warning", nextAt())));
      bytes += data.length;
      return { index: ++index, term: 1, type: EntryType.Normal, data };
    });
    storage.save({ entries });
  }
  storage.close();
  return { path, last: index };
}

/**
 * The write before: one transaction that stored the whole blob and dropped the entries it covered
 * (SqliteStorage's statements then, on the same file).
 */
function writeAtOnce(path: string) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  const put = db.prepare(
    "INSERT INTO snapshot (id, idx, term, conf, data) VALUES (1, ?, 1, ?, ?) ON CONFLICT(id) DO UPDATE SET idx = excluded.idx, data = excluded.data",
  );
  const drop = db.prepare("DELETE FROM entries WHERE idx <= ?");
  const write = db.transaction((index: number, data: Uint8Array) => {
    put.run(index, JSON.stringify(conf), Buffer.from(data));
    drop.run(index);
  });
  return { write, close: () => db.close() };
}

async function oneSnapshot(machine: StateMachine, monitors: Monitor[]) {
  const rows: string[] = [];
  for (const mode of ["before", "after"] as const) {
    const encode =
      mode === "before"
        ? await timed(() => machine.snapshot())
        : await timed(() => machine.snapshotInSlices());
    const data = encode.value;
    // The first snapshot compacts half the log; the second replaces it and compacts the rest.
    const { path, last } = storageWithLog(monitors);
    const half = Math.floor(last / 2);
    let first: Awaited<ReturnType<typeof timed>>;
    let second: Awaited<ReturnType<typeof timed>>;
    if (mode === "before") {
      const old = writeAtOnce(path);
      first = await timed(() => old.write(half, data));
      second = await timed(() => old.write(last, data));
      old.close();
    } else {
      const storage = new SqliteStorage({ path });
      first = await timed(() => storage.saveSnapshot({ meta: { index: half, term: 1, conf }, data }, half));
      second = await timed(() => storage.saveSnapshot({ meta: { index: last, term: 1, conf }, data }, last));
      storage.close();
    }
    const how =
      mode === "before"
        ? "`snapshot()`, one transaction"
        : "`snapshotInSlices()`, 256 KiB chunks, entries dropped after";
    const write = first.longestMs > second.longestMs ? first : second;
    rows.push(
      `| ${mode}: ${how} | ${(data.length / 2 ** 20).toFixed(1)} MiB | ${f(encode.ms)} | ${f(encode.longestMs)} (${f(encode.longestCpuMs)}) | ${f(encode.gcMs)} | ${f(first.ms)} / ${f(second.ms)} | ${f(write.longestMs)} (${f(write.longestCpuMs)}) |`,
    );
  }
  return rows;
}

async function nodeRun(label: string, policy: PolicyChoice) {
  // A fresh state each run: the writes of one run would make the next one's state larger.
  const { machine, monitors } = buildState();
  const storage = new SqliteStorage({
    path: freshDb(),
    ...(policy.onePiece ? { snapshotWriteChunkBytes: 2 ** 31 - 1 } : {}),
  });
  let snapshots = 0;
  let longestHold = 0;
  const node = await RaftNode.create<unknown, unknown>({
    id: "a",
    initialMembers: ["a"],
    transport: new MemoryNetwork().transport("a"),
    storage,
    stateMachine: {
      apply: (command, index) => machine.apply(command, index),
      snapshot: async () => {
        snapshots++;
        // The node applies nothing (reads and lease renewals wait) until this settles.
        const held = performance.now();
        const data = policy.onePiece ? machine.snapshot() : await machine.snapshotInSlices();
        longestHold = Math.max(longestHold, performance.now() - held);
        return data;
      },
      restore: (data) => machine.restore(data),
    },
    tickMs: 50,
    snapshotKeep: 500,
    ...policy.options,
  });
  while (node.role !== "leader") await new Promise((r) => setTimeout(r, 20));
  // The runs before left whole states behind: collect them now, not inside this run's window.
  fullGc();
  const latencies: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 2 });
  delay.enable();
  const start = performance.now();
  for (let done = 0; done < writes; done += 100) {
    const batch = Array.from({ length: Math.min(100, writes - done) }, (_, i) => {
      const m = monitors[(done + i) % monitors.length]!;
      const command = transitionOf(m, m.status === "ok" ? "warning" : "ok", nextAt());
      const sent = performance.now();
      return node.propose(command).then(() => latencies.push(performance.now() - sent));
    });
    await Promise.all(batch);
  }
  const wallS = (performance.now() - start) / 1000;
  delay.disable();
  await node.stop();
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
  const ms = (ns: number) => ns / 1e6;
  return `| ${label} | ${snapshots} | ${f(ms(delay.percentile(50)))} | ${f(ms(delay.percentile(99)))} | ${f(ms(delay.max))} | ${f(p99)} | ${(writes / wallS).toFixed(0)} | ${snapshots > 0 ? f(longestHold) : "—"} |`;
}

type PolicyChoice = {
  onePiece: boolean;
  options: { snapshotEntries: number } | { snapshotPolicy: SnapshotPolicyOptions };
};

const built = performance.now();
const { machine, monitors } = buildState();
const buildS = (performance.now() - built) / 1000;
const header = `load average ${loadavg()[0]!.toFixed(1)}; ${monitors.length.toLocaleString()} monitors (state built in ${buildS.toFixed(1)} s)`;
process.stdout.write(`${header}\n\n`);
const first = await oneSnapshot(machine, monitors);
process.stdout.write(
  [
    `| one snapshot (log of ${values["log-mib"]} MiB) | size | encode ms | longest slice ms (its CPU ms) | longest GC pause ms | write ms (first / replacing) | longest write slice ms (its CPU ms) |`,
    "|---|---|---|---|---|---|---|",
    ...first,
    "",
    "",
  ].join("\n"),
);
if (!values["skip-node"]) {
  const never = { logSizeFactor: 1, minLogBytes: 2 ** 40, maxLogBytes: 2 ** 40 };
  const runs: [string, PolicyChoice][] = [
    [
      "no snapshot at all (baseline: applying alone)",
      { onePiece: false, options: { snapshotPolicy: never } },
    ],
    ["before: every 1000 entries, at once", { onePiece: true, options: { snapshotEntries: 1000 } }],
    [
      "after: server policy (×1, 4–32 MiB), slices, chunks",
      { onePiece: false, options: { snapshotPolicy: defaultSnapshotPolicy } },
    ],
    [
      "after, ceiling 2 MiB (a snapshot in the window)",
      {
        onePiece: false,
        options: { snapshotPolicy: { ...defaultSnapshotPolicy, minLogBytes: 0, maxLogBytes: 2 << 20 } },
      },
    ],
  ];
  const rows: string[] = [];
  for (const [label, policy] of runs) rows.push(await nodeRun(label, policy));
  process.stdout.write(
    [
      `| one node, ${writes.toLocaleString()} writes | snapshots | loop delay p50 ms | p99 ms | max ms | write p99 ms | writes/s | applying held, longest ms |`,
      "|---|---|---|---|---|---|---|---|",
      ...rows,
      "",
      `load average ${loadavg()[0]!.toFixed(1)} at the end`,
      "",
    ].join("\n"),
  );
}
for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
