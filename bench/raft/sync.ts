// What one durable write costs on this disk: SqliteStorage.save() (a transaction with synchronous=FULL: an
// fsync of the WAL), the same with sync: false (commit index only: not synced), the alternative of
// synchronous=NORMAL plus our own fdatasync of the WAL file, a bare fdatasync — and whether syncs of separate
// files by separate processes (the three nodes of bench.ts) queue behind each other — and what a WAL file
// that grows with each commit costs against a preallocated one, and what an etcd-style log segment's write
// (a raw append to a preallocated file + fdatasync) costs against SQLite's commit. Prints one markdown table. Run (build packages/raft first):
//   npx -y pnpm@12.21.0 --filter @amstaff/bench exec node raft/sync.ts [--n 400]
import { fork } from "node:child_process";
import { closeSync, fdatasyncSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Entry, SqliteStorage } from "@amstaff/raft";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    n: { type: "string", default: "400" },
    child: { type: "string" },
    kind: { type: "string", default: "block" },
  },
});
const N = Number(values.n);

/**
 * Median and p90 in ms of each of `fs`, called in turn `n` times after `warmup` untimed turns (the WAL grows
 * to its size first). Two kinds of sync compared this way meet the same moments of the disk, whose speed
 * drifts within a minute by more than they differ.
 */
function timeEach(fs: (() => void)[], n = N, warmup = n / 4): [number, number][] {
  for (let i = 0; i < warmup; i++) for (const f of fs) f();
  const ms = fs.map((): number[] => []);
  for (let i = 0; i < n; i++) {
    fs.forEach((f, k) => {
      const start = process.hrtime.bigint();
      f();
      ms[k]!.push(Number(process.hrtime.bigint() - start) / 1e6);
    });
  }
  return ms.map((xs) => {
    xs.sort((a, b) => a - b);
    return [xs[Math.floor(n / 2)]!, xs[Math.floor(n * 0.9)]!];
  });
}

/** Median and p90 in ms of `n` timed calls of `f`, after `warmup` untimed ones. */
const time = (f: () => void, n = N, warmup = n / 4): [number, number] => timeEach([f], n, warmup)[0]!;

/** One 4 KiB block rewritten in place and fdatasynced, as a raft log page overwritten after a checkpoint. */
function blockSyncs(dir: string): () => void {
  const fd = openSync(join(dir, "blocks"), "w");
  const block = Buffer.alloc(4096, 1);
  for (let i = 0; i < 64; i++) writeSync(fd, block, 0, block.length, i * block.length);
  fsyncSync(fd);
  let i = 0;
  return () => {
    writeSync(fd, block, 0, block.length, (i++ % 64) * block.length);
    fdatasyncSync(fd);
  };
}

/** SqliteStorage.save() of one entry and the hard state, the write each node makes for a lone proposal. */
function storageSaves(dir: string): () => void {
  const storage = new SqliteStorage({ path: join(dir, "raft.db") });
  const data = new Uint8Array(100).fill(7);
  let i = 0;
  return () => {
    i++;
    storage.save({
      entries: [{ index: i, term: 1, type: 0, data }],
      hardState: { term: 1, vote: "a", commit: i - 1 },
    });
  };
}

/** Appends of `bytes`-byte records to a file preallocated (and synced) first, each fdatasynced. */
function appends(dir: string, bytes: number, preallocate: boolean): () => void {
  const fd = openSync(join(dir, `append-${bytes}-${preallocate}`), "w+");
  const size = 32 * 1024 * 1024;
  if (preallocate) {
    const zeros = Buffer.alloc(1024 * 1024);
    for (let off = 0; off < size; off += zeros.length) writeSync(fd, zeros, 0, zeros.length, off);
    fsyncSync(fd);
  }
  const record = Buffer.alloc(bytes, 3);
  let off = 0;
  return () => {
    writeSync(fd, record, 0, bytes, off);
    off = (off + bytes) % (size - bytes);
    fdatasyncSync(fd);
  };
}

if (values.child) {
  // One of several processes syncing their own file at the same time.
  const sync = values.kind === "save" ? storageSaves(values.child) : blockSyncs(values.child);
  process.send?.(time(sync));
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), "amstaff-sync-"));
const rows: [string, number, number][] = [];

// SQLite's own fsync at commit (synchronous=FULL, what SqliteStorage.save() does) against a commit at
// synchronous=NORMAL made durable by our own fdatasync of the WAL (which skips the inode's times): the same
// writes to two stores, alternated write by write.
const data = Buffer.alloc(100, 7);
const entryAt = (index: number): Entry => ({ index, term: 1, type: 0, data: new Uint8Array(data) });
{
  const sqliteSynced = new SqliteStorage({ path: join(dir, "fsync.db") });
  const selfSynced = new SqliteStorage({ path: join(dir, "fdatasync.db") });
  const walFd = openSync(join(dir, "fdatasync.db-wal"), "r+");
  let a = 0;
  let b = 0;
  const [fsynced, fdatasynced] = timeEach([
    () => sqliteSynced.save({ entries: [entryAt(++a)], hardState: { term: 1, vote: "a", commit: a } }),
    () => {
      selfSynced.save({ entries: [entryAt(++b)], hardState: { term: 1, vote: "a", commit: b }, sync: false });
      fdatasyncSync(walFd);
    },
  ]);
  rows.push(["SqliteStorage.save(): SQLite's fsync at commit (alternated with the next row)", ...fsynced!]);
  rows.push([
    "the same, save({ sync: false }) + our fdatasync of the WAL (tried, not used)",
    ...fdatasynced!,
  ]);
  closeSync(walFd);
  sqliteSynced.close();
  selfSynced.close();
}

const storage = new SqliteStorage({ path: join(dir, "raft.db") });
let index = 0;
const entry = (): Entry => entryAt(++index);
const hardState = () => ({ term: 1, vote: "a", commit: index });
rows.push([
  "SqliteStorage.save(), one entry and the hard state: transaction, fsync of the WAL",
  ...time(() => storage.save({ entries: [entry()], hardState: hardState() })),
]);
rows.push([
  "SqliteStorage.save({ sync: false }), commit index only (kept for the next transaction)",
  ...time(() => storage.save({ entries: [], hardState: hardState(), sync: false })),
]);
storage.close();

// The first writes after open, timed from the first: each one appends to the WAL file, which grows unless
// it was preallocated (300 writes stay under SQLite's 1000-page checkpoint, after which the file is reused).
// Four rounds of each, alternating, a new file each time, so that a busy moment of the shared machine does
// not land on one of the two alone; the median round is shown.
const variants = [
  ["WAL file grown from empty (walPreallocateBytes: 0)", { walPreallocateBytes: 0 }],
  ["WAL file preallocated (default 8 MiB)", {}],
] as const;
const rounds = variants.map((): [number, number][] => []);
for (let round = 0; round < 4; round++) {
  variants.forEach(([, options], v) => {
    const fresh = new SqliteStorage({ path: join(mkdtempSync(join(dir, "fresh-")), "raft.db"), ...options });
    index = 0;
    rounds[v]!.push(time(() => fresh.save({ entries: [entry()], hardState: hardState() }), 300, 0));
    fresh.close();
  });
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
variants.forEach(([name], v) => {
  const p50s = rounds[v]!.map((r) => r[0]);
  const p90s = rounds[v]!.map((r) => r[1]);
  rows.push([`SqliteStorage.save(), the first 300 after open, ${name}`, median(p50s), median(p90s)]);
});

// SQLite's commit is two WAL frames (24-byte header + 4 KiB page each: the entries' page and the hard state's)
// and an fsync; an etcd-style log segment appends a small record and fdatasyncs.
rows.push([
  "raw append of a 160-byte record to a preallocated file + fdatasync",
  ...time(appends(dir, 160, true)),
]);
rows.push([
  "raw append of a 160-byte record to a growing file + fdatasync",
  ...time(appends(dir, 160, false)),
]);
rows.push([
  "raw append of SQLite's two frames (8,240 bytes) to a preallocated file + fdatasync",
  ...time(appends(dir, 2 * (24 + 4096), true)),
]);

const sync = blockSyncs(dir);
rows.push(["4 KiB rewritten in place + fdatasync, one process", ...time(sync)]);
const self = fileURLToPath(import.meta.url);
// The three nodes of a sequential write sync at the same moment: do syncs of separate files queue?
for (const [kind, name] of [
  ["block", "4 KiB rewritten in place + fdatasync"],
  ["save", "SqliteStorage.save(), one entry and the hard state"],
] as const) {
  for (const n of [2, 3]) {
    const results = await Promise.all(
      Array.from({ length: n }, (_, k) => {
        const args = [
          "--child",
          mkdtempSync(join(dir, `p${kind}${n}-${k}-`)),
          "--n",
          String(N),
          "--kind",
          kind,
        ];
        const child = fork(self, args);
        return new Promise<[number, number]>((resolve) =>
          child.once("message", (m) => resolve(m as [number, number])),
        );
      }),
    );
    const p50 = Math.max(...results.map((r) => r[0]));
    const p90 = Math.max(...results.map((r) => r[1]));
    rows.push([`${name}, ${n} processes at once (slowest)`, p50, p90]);
  }
}
rmSync(dir, { recursive: true, force: true });

console.log(`${N} writes per row; load average (1 min): ${loadavg()[0]!.toFixed(1)} on this machine`);
console.log("| durable write | p50 (ms) | p90 (ms) |\n|---|---|---|");
for (const [name, p50, p90] of rows) console.log(`| ${name} | ${p50.toFixed(2)} | ${p90.toFixed(2)} |`);
