// Memory of one server process (the built packages/server/dist/cli.js) as it runs more monitors: RSS after
// start, after an idle period (the compiler's helpers released a minute after the last push), and at each
// step of HTTP monitors (every 10 s against a local keep-alive target, modules of at most 1000 monitors),
// measured `--settle-s` (default 75) after every monitor ran once: past the compiler's release, the steady
// state of a node between pushes. Each step is run `--rounds` times on the same process (delete every module,
// push the same ones again): RSS that grows from one round to the next is a leak. With `--snapshots`, a heap
// snapshot (SIGUSR2) after each row gives the heap in use after a full GC, and `heapSummary.ts` its top
// constructors per monitor; `--keep-snapshots <dir>` keeps the files for `heapSummary.ts --retainers/--shapes`.
// RSS is also sampled every 2 s over the second half of each wait (mean and peak: one reading depends on
// when V8 last collected), with the server's CPU and GC-pause time over that half as shares of the wall clock.
//   npx -y pnpm@12.21.0 --filter @amstaff/server run build
//   npx -y pnpm@12.21.0 --filter @amstaff/bench run memory -- --steps 5000,20000 [--snapshots]
//        [--node-args=--max-semi-space-size=16]   (flags for the server's Node.js, after an =)
//        [--heap-growth 50]   (the server's AMSTAFF_HEAP_GROWTH_PERCENT)
//        [--malloc-probe]   (after the last step, glibc's malloc_info and malloc_trim(0) in the server, through
//                            mallocProbe.c built with gcc and loaded with LD_PRELOAD; Linux with glibc;
//                            and the blocks of 128 KiB or more allocated over the last settle period, by
//                            call site: largeBlocks.ts)
// Every row also tells what RSS is made of (`/proc/<pid>/smaps` grouped by `smaps.ts`) and V8's account of
// its heap spaces (`/metrics`).
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { eventually, httpModuleSource, load, machine, Node, sleep, startTarget } from "../cluster/nodes.ts";
import { type SnapshotSummary, summarizeSnapshot, topTable } from "./heapSummary.ts";
import { type LargeBlocks, largeBlocksTable, requestLargeBlocks } from "./largeBlocks.ts";
import { type MallocInfo, mallocInfoTable, parseMallocInfo } from "./mallocInfo.ts";
import { type SmapsSummary, smapsSummary, smapsTable } from "./smaps.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    steps: { type: "string", default: "5000,20000" },
    rounds: { type: "string", default: "2" },
    "idle-s": { type: "string", default: "70" },
    "settle-s": { type: "string", default: "75" },
    snapshots: { type: "boolean", default: false },
    "keep-snapshots": { type: "string" },
    "node-args": { type: "string", default: "" },
    "heap-growth": { type: "string" },
    "malloc-probe": { type: "boolean", default: false },
  },
});
const steps = values.steps.split(",").map(Number);
const rounds = Number(values.rounds);
const idleMs = Number(values["idle-s"]) * 1000;
const settleMs = Number(values["settle-s"]) * 1000;
const moduleSize = 1000;

interface Row {
  what: string;
  monitors: number;
  rssMiB: number;
  /** V8's heap in use as the server's /metrics reports it: garbage not yet collected included. */
  heapUsedMiB: number;
  /** V8's own account (`/metrics`): each heap space's committed size, and external memory, in MiB. */
  v8: Map<string, number>;
  /** The process's resident mappings by group, read before the heap snapshot. */
  smaps: SmapsSummary;
  /** The heap snapshot's total: what is in use after a full GC. */
  heapMiB: number | undefined;
  /** RSS sampled every 2 s over the second half of the settle period: its mean and its peak. */
  rssMeanMiB: number;
  rssMaxMiB: number;
  /** Over that half: the server's CPU time and its time in GC pauses, as shares of the wall clock. */
  cpuPercent: number;
  gcPercent: number;
  /** Over that half: young-generation collections (scavenges) and full ones (mark-compacts), per second. */
  scavengesPerS: number;
  fullGcsPerS: number;
  /** How late runs started against their due time over the last 10 to 20 s (`GET /health`). */
  latenessP99Ms: number;
  latenessMaxMs: number;
  /** How late the event loop ran over the same window (`GET /health`). */
  loopP99Ms: number;
}

/** What the settle period's second half saw ({@link watch}). */
interface Watched {
  rssMeanMiB: number;
  rssMaxMiB: number;
  cpuPercent: number;
  gcPercent: number;
  scavengesPerS: number;
  fullGcsPerS: number;
}

const snapshotDir = values["keep-snapshots"] ?? mkdtempSync(join(tmpdir(), "amstaff-heap-"));
mkdirSync(snapshotDir, { recursive: true });
// `--malloc-probe`: mallocProbe.c, loaded into the server, answers with glibc's malloc_info and trims
// (its files are named by the process's id).
const probeBase = join(snapshotDir, "malloc");
if (values["malloc-probe"])
  execFileSync("gcc", [
    "-shared",
    "-fPIC",
    "-O2",
    "-o",
    `${probeBase}.so`,
    join(import.meta.dirname, "mallocProbe.c"),
  ]);
const loadAtStart = load();
const target = await startTarget();
target.record = false;
const node = new Node(
  "a",
  [],
  {
    NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snapshotDir}`,
    AMSTAFF_METRICS_PUBLIC: "1",
    ...(values["malloc-probe"] ? { LD_PRELOAD: `${probeBase}.so`, AMSTAFF_MALLOC_PROBE: probeBase } : {}),
    ...(values["heap-growth"] === undefined ? {} : { AMSTAFF_HEAP_GROWTH_PERCENT: values["heap-growth"] }),
  },
  values["node-args"].split(" ").filter(Boolean),
);
const rows: Row[] = [];
const summaries: { what: string; monitors: number; summary: SnapshotSummary }[] = [];
const health = async () =>
  (await node.api("/health", { timeoutMs: 30_000 })).body as {
    scheduler: { runs: number; latenessMs: { p99: number; max: number } };
    eventLoopDelayMs: { p99: number };
  };

/** Writes a heap snapshot of the server (V8 collects garbage first) and summarises it. */
async function snapshot(): Promise<SnapshotSummary> {
  const before = new Set(readdirSync(snapshotDir));
  process.kill(node.pid!, "SIGUSR2");
  const file = await eventually(
    () => readdirSync(snapshotDir).find((f) => f.endsWith(".heapsnapshot") && !before.has(f)),
    120_000,
    "the heap snapshot file",
    500,
  );
  const path = join(snapshotDir, file);
  // Written synchronously by the server's main thread: done when it ends its JSON and stops growing.
  let size = -1;
  await eventually(
    async () => {
      await sleep(1_000);
      const now = statSync(path).size;
      const done = now === size && /\]\s*\}\s*$/.test(readTail(path));
      size = now;
      return done ? true : undefined;
    },
    600_000,
    "the heap snapshot to be written",
    0,
  );
  const summary = summarizeSnapshot(JSON.parse(readFileSync(path, "utf8")));
  if (values["keep-snapshots"] === undefined) rmSync(path);
  return summary;
}

function readTail(path: string): string {
  const text = readFileSync(path);
  return text.subarray(Math.max(0, text.length - 64)).toString();
}

async function metrics(): Promise<{
  heapUsedMiB: number;
  gcSeconds: number;
  scavenges: number;
  fullGcs: number;
  v8: Map<string, number>;
}> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  let gcSeconds = 0;
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_sum\{[^}]*\} (\S+)$/gm))
    gcSeconds += Number(m[1]);
  // prom-client labels each collection by kind: "minor" is a scavenge, "major" a mark-compact.
  const count = (kind: string) =>
    Number(
      new RegExp(`^nodejs_gc_duration_seconds_count\\{kind="${kind}"\\} (\\S+)$`, "m").exec(text)?.[1] ?? 0,
    );
  const heapUsed = Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
  const v8 = new Map<string, number>();
  for (const m of text.matchAll(/^nodejs_heap_space_size_total_bytes\{space="([^"]+)"\} (\S+)$/gm))
    if (Number(m[2]) > 0) v8.set(`${m[1]} committed`, Number(m[2]) / 2 ** 20);
  for (const [name, metric] of [
    ["heap total", "nodejs_heap_size_total_bytes"],
    ["heap used", "nodejs_heap_size_used_bytes"],
    ["external", "nodejs_external_memory_bytes"],
  ] as const)
    v8.set(name, Number(new RegExp(`^${metric} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN) / 2 ** 20);
  return {
    heapUsedMiB: heapUsed / 2 ** 20,
    gcSeconds,
    scavenges: count("minor"),
    fullGcs: count("major"),
    v8,
  };
}

/**
 * Waits `ms`, sampling RSS every 2 s over the second half: one reading of RSS depends on when V8 last
 * collected, the mean and peak over many seconds much less.
 */
async function watch(ms: number): Promise<Watched> {
  await sleep(ms / 2);
  const start = { at: performance.now(), cpu: node.usage().cpuSeconds, ...(await metrics()) };
  const rss: number[] = [];
  while (performance.now() - start.at < ms / 2) {
    rss.push(node.usage().rssMiB);
    await sleep(2_000);
  }
  const seconds = (performance.now() - start.at) / 1000;
  const end = await metrics();
  return {
    rssMeanMiB: rss.reduce((a, b) => a + b, 0) / rss.length,
    rssMaxMiB: Math.max(...rss),
    cpuPercent: ((node.usage().cpuSeconds - start.cpu) * 100) / seconds,
    gcPercent: ((end.gcSeconds - start.gcSeconds) * 100) / seconds,
    scavengesPerS: (end.scavenges - start.scavenges) / seconds,
    fullGcsPerS: (end.fullGcs - start.fullGcs) / seconds,
  };
}

/** Pushes a module. */
async function push(name: string, size: number): Promise<void> {
  const answer = await node.api("/monitor", {
    method: "POST",
    body: httpModuleSource(name, size, target.url),
    timeoutMs: 300_000,
  });
  if (answer.status !== 201) throw new Error(`push ${name}: ${JSON.stringify(answer.body).slice(0, 500)}`);
}

async function measure(what: string, monitors: number, watched: Watched): Promise<void> {
  const { rssMiB } = node.usage();
  const smaps = smapsSummary(node.pid!);
  const { heapUsedMiB: heapUsed, v8 } = await metrics();
  let heapMiB: number | undefined;
  if (values.snapshots) {
    const summary = await snapshot();
    heapMiB = summary.totalBytes / 2 ** 20;
    summaries.push({ what, monitors, summary });
  }
  const { scheduler, eventLoopDelayMs } = await health();
  const row = {
    what,
    monitors,
    rssMiB,
    heapUsedMiB: heapUsed,
    v8,
    smaps,
    heapMiB,
    ...watched,
    latenessP99Ms: scheduler.latenessMs.p99,
    latenessMaxMs: scheduler.latenessMs.max,
    loopP99Ms: eventLoopDelayMs.p99,
  };
  rows.push(row);
  process.stderr.write(`${JSON.stringify({ ...row, v8: Object.fromEntries(v8), smaps: undefined })}\n`);
}

/**
 * What glibc holds of freed memory, after the last step: its malloc_info, RSS and its groups, before and
 * after `malloc_trim(0)` (mallocProbe.c, in the server).
 */
async function mallocTrim() {
  const before = smapsSummary(node.pid!);
  const ours = `${probeBase}.${node.pid}`;
  writeFileSync(`${ours}.req`, "trim\n");
  await eventually(() => (existsSync(`${ours}.after`) ? true : undefined), 60_000, "malloc_info", 200);
  return {
    before,
    after: smapsSummary(node.pid!),
    infoBefore: parseMallocInfo(readFileSync(`${ours}.before`, "utf8")),
    infoAfter: parseMallocInfo(readFileSync(`${ours}.after`, "utf8")),
  };
}

let large: LargeBlocks | undefined;
let largeBefore: LargeBlocks | undefined;
const startedAt = performance.now();
let settleStartedAt = 0;
let trimmed:
  | { before: SmapsSummary; after: SmapsSummary; infoBefore: MallocInfo; infoAfter: MallocInfo }
  | undefined;
try {
  await node.start();
  await measure("started (compiler warm)", 0, await watch(4_000));
  await measure(`idle ${idleMs / 1000} s`, 0, await watch(idleMs));
  let pushed: string[] = [];
  for (const monitors of steps) {
    for (let round = 1; round <= rounds; round++) {
      for (const name of pushed) await node.api(`/modules/${name}`, { method: "DELETE" });
      const modules = Math.ceil(monitors / moduleSize);
      pushed = Array.from({ length: modules }, (_, i) => `mem-${monitors}-${i}`);
      const runsBefore = (await health()).scheduler.runs;
      for (const [i, name] of pushed.entries()) {
        const size = Math.floor(monitors / modules) + (i < monitors % modules ? 1 : 0);
        await push(name, size);
      }
      await eventually(
        async () => ((await health()).scheduler.runs - runsBefore >= monitors ? true : undefined),
        300_000,
        `${monitors} monitors running`,
        1_000,
      );
      if (values["malloc-probe"]) largeBefore = await requestLargeBlocks(`${probeBase}.${node.pid}`);
      settleStartedAt = performance.now();
      const watched = await watch(settleMs);
      if (values["malloc-probe"]) large = await requestLargeBlocks(`${probeBase}.${node.pid}`);
      await measure(`${monitors} monitors, round ${round}`, monitors, watched);
    }
  }
  if (values["malloc-probe"]) trimmed = await mallocTrim();
} finally {
  await node.dispose();
  await target.close();
  if (values["keep-snapshots"] === undefined) rmSync(snapshotDir, { recursive: true, force: true });
}

const base = rows[1]!;
const fmt = (n: number | undefined, digits = 0) => (n === undefined ? "–" : n.toFixed(digits));
const lines = [
  "",
  "| state | monitors | RSS MiB | RSS mean / max MiB | heap used MiB | heap after GC MiB | RSS mean KiB per monitor over idle | heap after GC KiB per monitor over idle | CPU % / GC % | scavenges / full GCs per s | lateness p99 / max ms | event loop p99 ms |",
  "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ...rows.map((r) => {
    const perMonitor = (a: number | undefined, b: number | undefined) =>
      r.monitors === 0 || a === undefined || b === undefined ? "–" : fmt(((a - b) * 1024) / r.monitors, 1);
    return `| ${r.what} | ${r.monitors} | ${fmt(r.rssMiB)} | ${fmt(r.rssMeanMiB)} / ${fmt(r.rssMaxMiB)} | ${fmt(r.heapUsedMiB)} | ${fmt(r.heapMiB)} | ${perMonitor(r.rssMeanMiB, base.rssMeanMiB)} | ${perMonitor(r.heapMiB, base.heapMiB)} | ${fmt(r.cpuPercent)} / ${fmt(r.gcPercent, 1)} | ${fmt(r.scavengesPerS, 1)} / ${fmt(r.fullGcsPerS, 2)} | ${fmt(r.latenessP99Ms)} / ${fmt(r.latenessMaxMs)} | ${fmt(r.loopP99Ms)} |`;
  }),
  "",
  machine(loadAtStart, load()),
  "",
  "What RSS is made of, at each row (`/proc/<pid>/smaps`, grouped by `smaps.ts`):",
  "",
  smapsTable(rows.map((r) => ({ title: r.what, summary: r.smaps }))),
  "",
  ...(trimmed === undefined
    ? []
    : [
        "After the last row, glibc's `malloc_info` before and after `malloc_trim(0)` in the server (MiB):",
        "",
        mallocInfoTable(trimmed.infoBefore, trimmed.infoAfter),
        "",
        ...(largeBefore === undefined
          ? []
          : [
              "From start to the last step's settle period:",
              "",
              largeBlocksTable(largeBefore, (settleStartedAt - startedAt) / 1000),
              "",
            ]),
        ...(large === undefined
          ? []
          : ["Over the settle period:", "", largeBlocksTable(large, settleMs / 1000), ""]),
        smapsTable([
          { title: "before malloc_trim(0)", summary: trimmed.before },
          { title: "after", summary: trimmed.after },
        ]),
        "",
      ]),
  "V8's own account at each row (`/metrics`, MiB):",
  "",
  `| MiB | ${rows.map((r) => r.what).join(" | ")} |`,
  `|---|${rows.map(() => "---").join("|")}|`,
  ...[...new Set(rows.flatMap((r) => [...r.v8.keys()]))].map(
    (k) => `| ${k} | ${rows.map((r) => fmt(r.v8.get(k), 1)).join(" | ")} |`,
  ),
  "",
  ...(values["node-args"] ? [`Server started with \`node ${values["node-args"]}\`.`, ""] : []),
  ...(values["heap-growth"]
    ? [`Server started with \`AMSTAFF_HEAP_GROWTH_PERCENT=${values["heap-growth"]}\`.`, ""]
    : []),
  ...(values.snapshots
    ? ["Writing a heap snapshot grows the RSS for good: RSS rows after the first are not comparable.", ""]
    : []),
];
if (summaries.length >= 2) {
  const last = summaries.at(-1)!;
  const base = summaries[1]!;
  const per = last.monitors - base.monitors;
  lines.push(
    `Heap at ${last.what}: top constructors by self size per monitor (the difference from "${base.what}", divided by ${per} monitors)`,
    "",
    topTable(last.summary, base.summary, per),
    "",
  );
}
process.stdout.write(lines.join("\n"));
