// Event-loop stalls from SQLite's WAL checkpoints (issue 20): a node's two databases written at the server's
// rate — `amstaff.db` through the server's own SampleHistory and Observations (`--rate` samples/s, default
// 5,000: 50,000 monitors every 10 s), `raft.db` through SqliteStorage (`--entries` synced entries/s) — for
// `--seconds` each, with SQLite's automatic checkpoints (`auto`: before) and with a WalCheckpointer
// thread per file (`thread`: after), alternating `--runs` times. Prints one markdown table: event-loop
// delay p50/p99/max (monitorEventLoopDelay, 1 ms resolution); amstaff.db's commits, p99 and max (every
// `db.transaction` the history and observations run); the longest raft.db save(); the main thread's CPU
// time; the largest WAL file of each database; the checkpoints the threads ran and the longest of them.
// Runs the sources (no build needed):
//   npx -y pnpm@12.21.0 --filter @amstaff/bench run raft:checkpoints [-- --seconds 30 --runs 2]
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { Logger } from "pino";
import Database from "../../packages/raft/node_modules/better-sqlite3/lib/index.js";
import { SqliteStorage, type WalCheckpointResult } from "../../packages/raft/src/index.ts";
import type { Entry } from "../../packages/raft/src/types.ts";
import { systemClock } from "../../packages/server/src/clock.ts";
import { Observations } from "../../packages/server/src/runtime/observations.ts";
import { SampleHistory } from "../../packages/server/src/runtime/sampleHistory.ts";
import { openDatabase } from "../../packages/server/src/state/database.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    seconds: { type: "string", default: "30" },
    rate: { type: "string", default: "5000" },
    entries: { type: "string", default: "200" },
    runs: { type: "string", default: "1" },
  },
});
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const entriesPerSecond = Number(values.entries);
const monitors = rate * 10;

const silent = { warn() {}, error() {}, info() {}, debug() {} } as unknown as Logger;
const walSize = (path: string) => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The server's database as it was opened before: automatic checkpoints, on the committing call. */
function openAutoCheckpointed(dir: string) {
  const db = new Database(join(dir, "amstaff.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  return db;
}

/** Times every transaction `db` runs (the history's and observations' writes go through `db.transaction`). */
function timeTransactions(db: Database.Database, ms: number[]) {
  const original = db.transaction.bind(db);
  const timed =
    (run: (...args: unknown[]) => unknown) =>
    (...args: unknown[]) => {
      const start = performance.now();
      try {
        return run(...args);
      } finally {
        ms.push(performance.now() - start);
      }
    };
  db.transaction = ((fn: (...args: unknown[]) => unknown) => {
    const run = original(fn);
    // The writers choose when the transaction takes the lock (`writeBestEffort`'s `deferred` or `immediate`).
    return Object.assign(timed(run), {
      default: timed(run.default),
      deferred: timed(run.deferred),
      immediate: timed(run.immediate),
      exclusive: timed(run.exclusive),
    });
  }) as typeof db.transaction;
}

/** Times every call of `object[name]` into `longest`. */
function timeCalls(object: object, name: string, longest: { ms: number }) {
  const target = object as Record<string, (...args: unknown[]) => unknown>;
  const original = target[name]!.bind(object);
  target[name] = (...args: unknown[]) => {
    const start = performance.now();
    try {
      return original(...args);
    } finally {
      longest.ms = Math.max(longest.ms, performance.now() - start);
    }
  };
}

async function run(mode: "auto" | "thread") {
  const dir = mkdtempSync(join(tmpdir(), "amstaff-bench-checkpoints-"));
  const checkpoints: WalCheckpointResult[] = [];
  const raftCheckpoints: WalCheckpointResult[] = [];
  const db =
    mode === "thread"
      ? openDatabase(dir, undefined, { onCheckpoint: (r) => checkpoints.push(r) })
      : openAutoCheckpointed(dir);
  const raftPath = join(dir, "raft.db");
  const storage = new SqliteStorage({
    path: raftPath,
    ...(mode === "thread" && { checkpointer: { onCheckpoint: (r) => raftCheckpoints.push(r) } }),
  });
  const commits: number[] = [];
  timeTransactions(db, commits);
  const history = new SampleHistory(db, { clock: systemClock, logger: silent });
  const observations = new Observations(db, { clock: systemClock, logger: silent });
  const longestWrite = { ms: 0 };
  // One synced transaction of raft.db; the history's and observations' flushes are the rest of the stalls.
  timeCalls(storage, "save", longestWrite);
  history.start();
  observations.start();

  const tickMs = 10;
  const perTick = (rate * tickMs) / 1000;
  const entriesPerSave = Math.max(1, Math.round(entriesPerSecond / 10));
  const payload = new Uint8Array(400).fill(7);
  let next = 0;
  let index = 0;
  let largestWal = 0;
  let largestRaftWal = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const cpu = process.threadCpuUsage();
  const sampling = setInterval(() => {
    const now = Date.now();
    for (let i = 0; i < perTick; i++) {
      const n = next++ % monitors;
      const result = {
        status: n % 50 === 0 ? "critical" : "ok",
        message: n % 50 === 0 ? `HTTP 500 from http://service-${n}/health` : "",
        durationMs: 20 + (n % 100),
        timestamp: now,
      } as const;
      history.record(`module-${n % 500}`, `monitor-${n}`, result);
      observations.record(`module-${n % 500}`, `monitor-${n}`, result);
    }
  }, tickMs);
  const raft = setInterval(() => {
    const entries: Entry[] = [];
    for (let i = 0; i < entriesPerSave; i++)
      entries.push({ index: ++index, term: 1, type: 0, data: payload });
    storage.save({ entries, hardState: { term: 1, vote: "a", commit: index } });
    // The node compacts its log behind snapshots; keep the table at a steady size the same way.
    if (index % 20_000 < entriesPerSave)
      void storage.saveSnapshot(
        { meta: { index, term: 1, conf: { voters: ["a"], learners: [] } }, data: payload },
        index,
      );
  }, 100);
  const sizes = setInterval(() => {
    largestWal = Math.max(largestWal, walSize(join(dir, "amstaff.db")));
    largestRaftWal = Math.max(largestRaftWal, walSize(raftPath));
  }, 100);
  await sleep(seconds * 1000);
  const mainCpu = process.threadCpuUsage(cpu);
  loop.disable();
  clearInterval(sampling);
  clearInterval(raft);
  clearInterval(sizes);
  history.close();
  observations.close();
  db.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  return {
    mode,
    p50: ms(loop.percentile(50)),
    p99: ms(loop.percentile(99)),
    max: ms(loop.max),
    longestWrite: longestWrite.ms.toFixed(1),
    commitP99: (commits.sort((a, b) => a - b)[Math.floor(commits.length * 0.99)] ?? 0).toFixed(1),
    commitMax: Math.max(0, ...commits).toFixed(1),
    mainCpu: ((mainCpu.user + mainCpu.system) / 1e6).toFixed(1),
    wal: (largestWal / 2 ** 20).toFixed(1),
    raftWal: (largestRaftWal / 2 ** 20).toFixed(1),
    checkpoints: mode === "thread" ? `${checkpoints.length} / ${raftCheckpoints.length}` : "(in commits)",
    longestCheckpoint:
      mode === "thread"
        ? Math.max(0, ...checkpoints.concat(raftCheckpoints).map((c) => c.ms)).toFixed(1)
        : "–",
  };
}

console.log(
  `${rate} samples/s to amstaff.db (${monitors} monitors every 10 s), ${entriesPerSecond} synced entries/s to raft.db, ${seconds} s per run; load average ${loadavg()[0]!.toFixed(1)}\n`,
);
console.log(
  "| checkpoints | loop delay p50 ms | p99 ms | max ms | amstaff.db commit p99 ms | max ms | longest raft.db save() ms | main thread CPU s | largest amstaff.db WAL MiB | largest raft.db WAL MiB | thread checkpoints amstaff.db / raft.db | longest (on the thread) ms |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
for (let r = 0; r < Number(values.runs); r++) {
  for (const mode of ["auto", "thread"] as const) {
    const row = await run(mode);
    console.log(
      `| ${row.mode} | ${row.p50} | ${row.p99} | ${row.max} | ${row.commitP99} | ${row.commitMax} | ${row.longestWrite} | ${row.mainCpu} | ${row.wal} | ${row.raftWal} | ${row.checkpoints} | ${row.longestCheckpoint} |`,
    );
  }
}
