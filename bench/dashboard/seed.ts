// Seeding the overview's bars from the sample history when a node starts (`runtime/recentSeed.ts`), at
// `--modules` × `--monitors` monitors (default 500 × 100 = 50,000). The history is written straight into
// the server's tables (created by `SampleHistory`): per monitor `--raw` raw samples (default 40), the 288
// five-minute buckets of the last 24 hours (all a monitor sampled every 5 minutes or faster has) and 30
// days of the daily summary; then the seed runs as on start, sliced across turns, and the table shows
// its wall and CPU time and how long it held the event loop: a `setImmediate` ticker runs between its
// slices and measures each gap in wall time and in the thread's CPU time (on a busy machine the wall
// time includes the time the process waited for a core; the CPU time is what the slice cost).
// Run: npx -y pnpm@12.21.0 --filter @amstaff/bench run dashboard:seed [--modules 500 --monitors 100]
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import Database from "../../packages/server/node_modules/better-sqlite3/lib/index.js";
import { pino } from "../../packages/server/node_modules/pino/pino.js";
import { RecentSamples } from "../../packages/server/src/runtime/recentSamples.ts";
import { RecentSeed } from "../../packages/server/src/runtime/recentSeed.ts";
import { SampleHistory } from "../../packages/server/src/runtime/sampleHistory.ts";
import { benchModule, benchState } from "../state.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    modules: { type: "string", default: "500" },
    monitors: { type: "string", default: "100" },
    raw: { type: "string", default: "40" },
    budget: { type: "string", default: "8" },
  },
});
const modules = Number(values.modules);
const perModule = Number(values.monitors);
const raw = Number(values.raw);
const budgetMs = Number(values.budget);
const hourMs = 3_600_000;
const dayMs = 86_400_000;
const bucketMs = 300_000;

const dir = mkdtempSync(join(tmpdir(), "amstaff-bench-seed-"));
const db = new Database(join(dir, "node.db"));
db.pragma("journal_mode = WAL");
const now = Date.UTC(2026, 11, 6, 12, 2, 30);
const clock = { now: () => now, setTimeout, clearTimeout };
// Creates the history's tables, as on a node's start.
new SampleHistory(db, { clock, logger: pino({ level: "silent" }) });

const { machine, apply } = benchState();
const built = performance.now();
const names: [string, string][] = [];
for (let m = 0; m < modules; m++) {
  const module = `Service ${String(m).padStart(3, "0")}`;
  const monitors = Array.from({ length: perModule }, (_, i) => ({ name: `check-${i}`, tags: [] }));
  apply(benchModule(module, monitors, "30s", now));
  for (const { name } of monitors) names.push([module, name]);
}
const insertSeries = db.prepare("INSERT INTO history_series (id, module, monitor) VALUES (?, ?, ?)");
db.transaction(() => {
  for (const [i, [module, monitor]] of names.entries()) insertSeries.run(i + 1, module, monitor);
})();
const firstBucket = Math.floor(now / hourMs) * hourMs - 23 * hourMs;
const today = Math.floor(now / dayMs);
// One in 97 samples and buckets critical, one in 89 unknown: the counts are not all equal.
db.exec(`
  WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < ${raw})
  INSERT INTO history_samples (series, t, status, latency_ms, value, message)
  SELECT s.id, ${now} - k.x * 30000, CASE WHEN (s.id + k.x) % 97 = 0 THEN 2 WHEN (s.id + k.x) % 89 = 0 THEN 3 ELSE 0 END,
    5 + (s.id * 7 + k.x) % 240, NULL, CASE WHEN (s.id + k.x) % 97 = 0 THEN 'HTTP 500' END
  FROM history_series s, k ORDER BY s.id, k.x;
  WITH RECURSIVE b(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM b WHERE x < ${(now - firstBucket) / bucketMs - 1})
  INSERT INTO history_rollup
  SELECT s.id, ${firstBucket} + b.x * ${bucketMs}, 10, 10 - ((s.id + b.x) % 97 = 0) - ((s.id + b.x) % 89 = 0),
    0, (s.id + b.x) % 97 = 0, (s.id + b.x) % 89 = 0, 5, 500, 240, 0, NULL, 0, NULL
  FROM history_series s, b ORDER BY s.id, b.x;
  WITH RECURSIVE d(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM d WHERE x < 30)
  INSERT INTO history_daily SELECT s.id, ${today} - d.x, 2870 - (s.id + d.x) % 7, 0, (s.id + d.x) % 7, 10
  FROM history_series s, d ORDER BY s.id, d.x;
`);
const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const rows = {
  samples: count("history_samples"),
  rollup: count("history_rollup"),
  daily: count("history_daily"),
};
const buildMs = performance.now() - built;

const recent = new RecentSamples();
const seed = new RecentSeed({ db, recent, machine, clock, runsHere: () => true, budgetMs });
const cpuMs = () => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};
const load = loadavg()[0]!.toFixed(1);
const gaps = { wall: [] as number[], cpu: [] as number[] };
let ticking = true;
let lastWall = performance.now();
let lastCpu = cpuMs();
const tick = () => {
  const wall = performance.now();
  const cpu = cpuMs();
  gaps.wall.push(wall - lastWall);
  gaps.cpu.push(cpu - lastCpu);
  lastWall = wall;
  lastCpu = cpu;
  if (ticking) setImmediate(tick);
};
setImmediate(tick);
const cpu = cpuMs();
const stats = await seed.run();
const cpuTook = cpuMs() - cpu;
ticking = false;
const at = (list: number[], q: number) =>
  [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(q * list.length))]!;
const [checkModule, checkMonitor] = names[Math.floor(names.length / 2)]!;
const check = recent.bar(checkModule, checkMonitor, now)!;

console.log(
  `\n${names.length} monitors (${modules} × ${perModule}); history built in ${(buildMs / 1000).toFixed(1)} s: ${rows.samples} raw samples, ${rows.rollup} five-minute buckets, ${rows.daily} days; load average ${load} at the start, ${loadavg()[0]!.toFixed(1)} at the end\n`,
);
console.log("| seeding the overview's bars on start | |\n|---|---|");
console.log(`| monitors seeded | ${stats.monitors} (${stats.samples} samples into rings) |`);
console.log(`| wall time, turns between slices included | ${(stats.tookMs / 1000).toFixed(2)} s |`);
console.log(`| CPU time of the thread | ${(cpuTook / 1000).toFixed(2)} s |`);
console.log(`| per monitor (CPU) | ${((cpuTook / stats.monitors) * 1000).toFixed(0)} µs |`);
console.log(`| slices (turns the seed took) | ${gaps.wall.length} (budget ${budgetMs} ms each) |`);
console.log(
  `| event loop held by a slice, CPU time: p50 / p99 / max | ${at(gaps.cpu, 0.5).toFixed(1)} / ${at(gaps.cpu, 0.99).toFixed(1)} / ${Math.max(...gaps.cpu).toFixed(1)} ms |`,
);
console.log(
  `| the same in wall time (waits for a core included) | ${at(gaps.wall, 0.5).toFixed(1)} / ${at(gaps.wall, 0.99).toFixed(1)} / ${Math.max(...gaps.wall).toFixed(1)} ms |`,
);
console.log(`| memory of the rings and counters | ${(recent.bytes / 1024 / 1024).toFixed(0)} MiB |`);
console.log(
  `| a row after the seed (${checkModule} / ${checkMonitor}) | ${check.letters.length} samples, u24 ${check.up24?.toFixed(4)}, u30 ${check.up30?.toFixed(4)} |\n`,
);
db.close();
rmSync(dir, { recursive: true, force: true });
