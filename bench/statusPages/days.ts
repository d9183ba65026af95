/**
 * The status pages' 90-day bars: what a page view costs with the daily summary the history folds at write
 * time, against the scan of 5-minute buckets it replaces. Runs the server's sources (no build needed):
 *   npx -y pnpm@12.21.0 --filter @amstaff/bench run status-pages [--monitors 50]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { results } from "@amstaff/core";
import Database from "../../packages/server/node_modules/better-sqlite3/lib/index.js";
import { pino } from "../../packages/server/node_modules/pino/pino.js";
import { dayOf } from "../../packages/server/src/runtime/dailyUptime.ts";
import { SampleHistory } from "../../packages/server/src/runtime/sampleHistory.ts";

const { values } = parseArgs({ options: { monitors: { type: "string", default: "50" } } });
const monitors = Number(values.monitors);
const days = 90;
const bucket = 300_000;
const dayMs = 86_400_000;

const dir = mkdtempSync(join(tmpdir(), "amstaff-bench-days-"));
const db = new Database(join(dir, "history.db"));
db.pragma("journal_mode = WAL");
const now = Date.UTC(2026, 11, 6, 12);
const clock = { now: () => now, setTimeout, clearTimeout };
const history = new SampleHistory(db, {
  clock,
  logger: pino({ level: "silent" }),
  rawDays: 1,
  rollupDays: days,
});

// One sample per 5-minute bucket for 90 days: the buckets a monitor has at any sampling rate.
const load = loadavg()[0]!.toFixed(1);
let written = 0;
let writeMs = 0;
const today = dayOf(now);
for (let d = today - days + 1; d <= today; d++) {
  for (let m = 0; m < monitors; m++) {
    for (let t = d * dayMs; t < Math.min((d + 1) * dayMs, now); t += bucket) {
      const status = (t / bucket + m) % 97 === 0 ? "critical" : "ok";
      history.record("Bench", `Monitor ${m}`, results.of(status, "m", { timestamp: t, durationMs: 12 }));
    }
  }
  const started = performance.now();
  written += history.flush();
  writeMs += performance.now() - started;
}

const scan = db.prepare(`
  SELECT r.bucket / ${dayMs} AS day, sum(ok), sum(warning), sum(critical), sum(unknown)
  FROM history_series s JOIN history_rollup r ON r.series = s.id
  WHERE s.module = ? AND s.monitor = ? AND r.bucket >= ? GROUP BY day ORDER BY day`);

function measure(read: (monitor: string) => unknown): { p50: number; p95: number; page: number } {
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (let m = 0; m < monitors; m++) {
      const started = performance.now();
      read(`Monitor ${m}`);
      times.push(performance.now() - started);
    }
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  // A page of 20 components of one monitor each.
  return { p50: at(0.5), p95: at(0.95), page: at(0.5) * 20 };
}

const summary = measure((monitor) => history.days("Bench", monitor, today - days + 1, today));
const buckets = measure((monitor) => scan.all("Bench", monitor, (today - days + 1) * dayMs));

const row = (name: string, rows: string, r: { p50: number; p95: number; page: number }) =>
  `| ${name} | ${rows} | ${r.p50.toFixed(3)} | ${r.p95.toFixed(3)} | ${r.page.toFixed(2)} |`;
console.log(
  `\n${monitors} monitors × ${days} days, one sample per 5 min (${written} samples); load average ${load} at the start, ${loadavg()[0]!.toFixed(1)} at the end\n`,
);
console.log(`writes with the daily fold: ${Math.round(written / (writeMs / 1000))} samples/s\n`);
console.log(
  "| 90 days of one monitor, read from | rows read | p50 ms | p95 ms | page of 20 components, ms |",
);
console.log("|---|---|---|---|---|");
console.log(row("`history_daily` (this design)", "90", summary));
console.log(row("`history_rollup`, summed by day (the scan it avoids)", String(days * 288), buckets));

history.close();
db.close();
rmSync(dir, { recursive: true, force: true });
