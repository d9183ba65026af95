// Memory held by Raft's log (issue 20): one RaftCore, leader of a single-member cluster, persisting through
// SqliteStorage (a temporary file), holding a local snapshot of `--snapshot-mib` (default 32, the server's
// ceiling) and `--entries` entries of `--entry-bytes` after it (default 13,000 × 2,539 bytes ≈ 32 MiB: one
// first transition per monitor at 50,000 monitors, as the heap snapshot in the memory results showed).
// Measured after a full GC, each in a process of its own: heap used plus array buffers (entry and snapshot
// bytes live there) with the core holding it all, less the same before the core existed; `kept` = the core keeps entries and snapshot in
// memory (a storage that cannot read them back, as every storage did before), `read back` = the core is
// given SqliteStorage to read them back (its default 4 MiB cache of durable entries).
// Run: npx -y pnpm@12.21.0 --filter @amstaff/bench run raft:log-heap [-- --entries 13000 --entry-bytes 2539]
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { RaftCore, SqliteStorage } from "../../packages/raft/src/index.ts";
import { readyUpdate } from "../../packages/raft/src/storage.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    entries: { type: "string", default: "13000" },
    "entry-bytes": { type: "string", default: "2539" },
    "snapshot-mib": { type: "string", default: "32" },
  },
});
const ENTRIES = Number(values.entries);
const ENTRY_BYTES = Number(values["entry-bytes"]);
const SNAPSHOT_BYTES = Number(values["snapshot-mib"]) * 1024 * 1024;
const MIB = 1024 * 1024;
// Not snapshotLoad.ts's helpers: that file imports the server, which this needs no build of.
const f = (n: number) => n.toFixed(1);
const fullGc = () => (globalThis as { gc?: () => void }).gc?.();

/** Heap and array buffers in use, after two full GCs a turn apart (array buffers are freed in the background). */
async function used(): Promise<number> {
  fullGc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  fullGc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Persists and applies everything the core hands out (applied entries are dropped at once). */
function drive(core: RaftCore, storage: SqliteStorage): void {
  while (core.hasReady()) {
    const rd = core.ready();
    storage.save(readyUpdate(rd));
    core.advance(rd);
  }
}

/** A core holding the snapshot and the entries, all persisted to `storage`. */
async function fill(storage: SqliteStorage, readBack: boolean): Promise<RaftCore> {
  const core = new RaftCore(
    { id: "a" },
    { initialConf: { voters: ["a"], learners: [] }, ...(readBack ? { storage } : {}) },
  );
  drive(core, storage);
  core.campaign();
  drive(core, storage);
  // The snapshot's bytes as a state machine hands them over, then the log that grows after it.
  const snap = core.compact(new Uint8Array(SNAPSHOT_BYTES).fill(7), 0);
  await storage.saveSnapshot(snap, core.compactedIndex());
  for (let i = 0; i < ENTRIES; i += 100) {
    const batch = [];
    for (let k = i; k < Math.min(ENTRIES, i + 100); k++)
      batch.push(new Uint8Array(ENTRY_BYTES).fill(k % 251));
    core.propose(batch);
    drive(core, storage);
  }
  if (core.lastIndex() - core.compactedIndex() < ENTRIES) throw new Error("entries were not all appended");
  return core;
}

/** MiB held by a filled core, in this process. */
async function measure(readBack: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "raft-log-heap-"));
  const storage = new SqliteStorage({ path: join(dir, "raft.db") });
  const before = await used();
  const core = await fill(storage, readBack);
  const mib = ((await used()) - before) / MIB;
  if (core.lastIndex() === 0) throw new Error("empty log");
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
  return mib;
}

/** Runs {@link measure} in a child process: what an earlier run left in this heap would blur the next. */
async function measureApart(readBack: boolean): Promise<number> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      env: { ...process.env, LOG_HEAP_MODE: readBack ? "read-back" : "kept" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const [code] = await once(child, "exit");
  if (code !== 0) throw new Error(`measuring child exited with ${code}`);
  return Number(out.trim());
}

if (process.env.LOG_HEAP_MODE) {
  console.log(await measure(process.env.LOG_HEAP_MODE === "read-back"));
  process.exit(0);
}

console.log(
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}; ${ENTRIES} entries × ${ENTRY_BYTES} B after a ${f(SNAPSHOT_BYTES / MIB)} MiB snapshot`,
);
console.log("| log | heap + array buffers held (MiB) | per entry (bytes) |");
console.log("|---|---|---|");
for (const readBack of [false, true, false, true]) {
  const mib = await measureApart(readBack);
  console.log(`| ${readBack ? "read back" : "kept"} | ${f(mib)} | ${Math.round((mib * MIB) / ENTRIES)} |`);
}
