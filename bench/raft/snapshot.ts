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
// `--runs` picks among those (none,entries,policy,ceiling). `--engine etcd` runs part 2 on the etcd engine
// instead (./etcdSnapshot.ts: one EtcdLog on a fresh single-member etcd).
// Run: npx -y pnpm@12.21.0 --filter @amstaff/bench run raft:snapshot [-- --modules 500 --monitors 100]
//      npx -y pnpm@12.21.0 --filter @amstaff/bench run raft:snapshot -- --engine etcd --writes 40000
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import Database from "../../packages/raft/node_modules/better-sqlite3/lib/index.js";
import { EntryType, RaftNode, SqliteStorage } from "../../packages/raft/src/index.ts";
import { MemoryNetwork } from "../../packages/raft/src/testing.ts";
import type { StateMachine } from "../../packages/server/src/state/stateMachine.ts";
import { etcdRuns } from "./etcdSnapshot.ts";
import {
  buildState,
  f,
  fullGc,
  type Monitor,
  nextAt,
  type SnapshotRun,
  snapshotRuns,
  streamWrites,
  transitionOf,
} from "./snapshotLoad.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    modules: { type: "string", default: "500" },
    monitors: { type: "string", default: "100" },
    writes: { type: "string", default: "20000" },
    "log-mib": { type: "string", default: "32" },
    "skip-node": { type: "boolean", default: false },
    engine: { type: "string", default: "raft" },
    runs: { type: "string", default: "none,entries,policy,ceiling" },
  },
});
const modules = Number(values.modules);
const perModule = Number(values.monitors);
const writes = Number(values.writes);

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

async function nodeRun({ label, blocking, options }: SnapshotRun) {
  // A fresh state each run: the writes of one run would make the next one's state larger.
  const { machine, monitors } = buildState(modules, perModule);
  const storage = new SqliteStorage({
    path: freshDb(),
    ...(blocking ? { snapshotWriteChunkBytes: 2 ** 31 - 1 } : {}),
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
        const data = blocking ? machine.snapshot() : await machine.snapshotInSlices();
        longestHold = Math.max(longestHold, performance.now() - held);
        return data;
      },
      restore: (data) => machine.restore(data),
    },
    tickMs: 50,
    snapshotKeep: 500,
    ...options,
  });
  while (node.role !== "leader") await new Promise((r) => setTimeout(r, 20));
  const run = await streamWrites(writes, monitors, (command) => node.propose(command));
  await node.stop();
  return `| ${label} | ${snapshots} | ${f(run.p50)} | ${f(run.p99)} | ${f(run.max)} | ${f(run.writeP99)} | ${run.perSecond.toFixed(0)} | ${snapshots > 0 ? f(longestHold) : "—"} |`;
}

async function raftRuns(runs: SnapshotRun[]) {
  const built = performance.now();
  const { machine, monitors } = buildState(modules, perModule);
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
  if (values["skip-node"]) return;
  const rows: string[] = [];
  for (const run of runs) rows.push(await nodeRun(run));
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

const runs = snapshotRuns(values.runs.split(","));
if (values.engine === "etcd") await etcdRuns({ modules, perModule, writes, runs });
else if (values.engine === "raft") await raftRuns(runs);
else throw new Error(`--engine: "${values.engine}" is neither raft nor etcd`);
for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
