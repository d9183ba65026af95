// `GET /overview` at scale, in process: one node's state with `--modules` × `--monitors` monitors (default
// 500 × 100 = 50,000), each with its latest result and a full ring of 30 recent samples (what a node has
// after five minutes of monitors every 10 s), one in 200 failing. Times what the route does — the body
// (`Dashboard.overview()`) and its JSON — and what a page does next, `JSON.parse` of it, and prints the
// answer's size; those times are the thread's CPU time, so a busy machine changes them little.
// With `--browser`, the same state is served by the API's real routes and the dashboard's files on a
// loopback port, and Debian's Chromium measures navigation to every group rendered and the filters, as
// `bench dashboard` does against a sampling server (whose rings are only as full as its run was long).
// Run: npx -y pnpm@12.21.0 --filter @amstaff/bench run dashboard:overview [--browser] [--modules 500 --monitors 100]
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import type { SampleResult } from "../../packages/core/src/index.ts";
import { createDashboard } from "../../packages/server/src/http/dashboard/dashboard.ts";
import { createHttpApi } from "../../packages/server/src/http/httpApi.ts";
import { dashboardRoutes } from "../../packages/server/src/http/routes/dashboard.ts";
import { createLogger } from "../../packages/server/src/logger.ts";
import { Observations } from "../../packages/server/src/runtime/observations.ts";
import { RecentSamples } from "../../packages/server/src/runtime/recentSamples.ts";
import { Scheduler } from "../../packages/server/src/runtime/scheduler.ts";
import { openDatabase } from "../../packages/server/src/state/database.ts";
import { SqliteLog } from "../../packages/server/src/state/sqliteLog.ts";
import { StateMachine } from "../../packages/server/src/state/stateMachine.ts";
import { benchModule, benchState } from "../state.ts";
import { measureFilters, measureNavigation, ms, printTable, quantile } from "./page.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    modules: { type: "string", default: "500" },
    monitors: { type: "string", default: "100" },
    samples: { type: "string", default: "30" },
    runs: { type: "string", default: "10" },
    browser: { type: "boolean", default: false },
    loads: { type: "string", default: "5" },
    chromium: { type: "string", default: process.env.AMSTAFF_CHROMIUM ?? "/usr/bin/chromium" },
  },
});
const modules = Number(values.modules);
const perModule = Number(values.monitors);
const samples = Number(values.samples);
const runs = Number(values.runs);

const dataDir = mkdtempSync(join(tmpdir(), "amstaff-bench-overview-"));
const db = openDatabase(dataDir);
const { machine, apply } = benchState();
let now = Date.UTC(2026, 11, 6, 12);
const clock = { now: () => now, setTimeout, clearTimeout };
const observations = new Observations(db, { clock });
const recent = new RecentSamples();

const built = performance.now();
for (let m = 0; m < modules; m++) {
  const module = `Service ${String(m).padStart(3, "0")}`;
  const monitors = Array.from({ length: perModule }, (_, i) => ({
    name: `check-${i}`,
    tags: [`team-${m % 10}`, i % 2 === 0 ? "even" : "odd"],
  }));
  const version = apply(benchModule(module, monitors, "10s", now));
  for (const [i, { name }] of monitors.entries()) {
    const failing = (m * perModule + i) % 200 === 0;
    const status = failing ? "critical" : "ok";
    apply({
      type: "transition.record",
      module,
      monitor: name,
      moduleVersion: version,
      from: "pending",
      to: status,
      since: now,
      flapping: false,
      result: { status, message: failing ? "HTTP 500" : "HTTP 200", durationMs: 5, timestamp: now },
      at: now,
    });
    let last: SampleResult | undefined;
    for (let s = 0; s < samples; s++) {
      last = {
        status: failing && s % 3 === 0 ? "critical" : "ok",
        message: failing ? "HTTP 500 Internal Server Error" : "HTTP 200",
        // Latencies of a few to a few hundred milliseconds, as local and remote targets answer.
        durationMs: 2 + ((m * 7919 + i * 104_729 + s * 31) % 240) + (s % 7) / 10,
        timestamp: now - (samples - s) * 10_000,
      };
      recent.record(module, name, last);
    }
    if (last) observations.record(module, name, last);
  }
}
const buildMs = performance.now() - built;
now += 1_000;

const dashboard = createDashboard({ machine, observations, recent, clock, dir: dataDir });
// The dashboard's built files (`turbo build`), served as the server serves them.
const pages = createDashboard({ machine, observations, recent, clock });
const pick = (list: number[], q: number) =>
  [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(q * list.length))]!;
// CPU time of this thread (not the wall clock): the machine this runs on may be busy with other work.
const cpuMs = () => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};
const timed = { body: [] as number[], json: [] as number[], parse: [] as number[], wall: [] as number[] };
let bytes = 0;
for (let r = 0; r < runs; r++) {
  const wall = performance.now();
  const start = cpuMs();
  const body = dashboard.overview();
  const made = cpuMs();
  const text = JSON.stringify(body);
  const encoded = cpuMs();
  timed.wall.push(performance.now() - wall);
  JSON.parse(text);
  timed.body.push(made - start);
  timed.json.push(encoded - made);
  timed.parse.push(cpuMs() - encoded);
  bytes = Buffer.byteLength(text);
}
const rows: [string, string][] = [];
if (values.browser) await inBrowser(rows);
dashboard.close();
observations.close();
db.close();
rmSync(dataDir, { recursive: true, force: true });

const row = (label: string, list: number[]) =>
  `| ${label} | ${pick(list, 0.5).toFixed(0)} ms | ${pick(list, 0.95).toFixed(0)} ms |`;
console.log(
  `\n${modules * perModule} monitors (${modules} × ${perModule}), ${samples} recent samples each, state built in ${(buildMs / 1000).toFixed(1)} s; ${runs} runs; load average ${loadavg()[0]!.toFixed(1)}\n`,
);
console.log("| `GET /overview`, in process (CPU time of the thread) | p50 | p95 |\n|---|---|---|");
console.log(row("the body (`Dashboard.overview()`)", timed.body));
console.log(row("its JSON (`JSON.stringify`)", timed.json));
console.log(row("body and JSON, wall clock", timed.wall));
console.log(row("the page's `JSON.parse` (Node's V8)", timed.parse));
console.log(`| size | ${(bytes / 1024 / 1024).toFixed(1)} MiB | |\n`);
if (rows.length > 0) printTable(rows);

/** Serves the state with the API's routes and the dashboard's files, and measures the page in Chromium. */
async function inBrowser(record: [string, string][]): Promise<void> {
  const token = "bench-token-0123456789";
  const logger = createLogger("silent");
  const scheduler = new Scheduler();
  const api = createHttpApi({
    machine,
    log: new SqliteLog(db, new StateMachine()),
    compile: async () => ({ ok: false, errors: [] }) as never,
    plugins: () => [],
    observations,
    scheduler,
    clock,
    logger,
    tokens: { resolve: (t) => (t === token ? { name: "bench", team: "default", role: "admin" } : undefined) },
    version: "bench",
    extraRoutes: [dashboardRoutes(dashboard, { machine, observations, scheduler, clock, logger })],
  });
  const server = createServer((request, response) => {
    if (!pages.handlePublic(request, response)) api(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: values.chromium, args: ["--no-sandbox"] });
  try {
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      const response = await fetch(`${url}/overview`, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      latencies.push(performance.now() - started);
    }
    record.push([
      "GET /overview over loopback p50 / p95",
      `${ms(quantile(latencies, 0.5))} / ${ms(quantile(latencies, 0.95))}`,
    ]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript((t) => sessionStorage.setItem("amstaff.token", t), token);
    const page = await context.newPage();
    const { loads, renders } = await measureNavigation(page, url, modules, Number(values.loads));
    record.push([
      "navigation → overview rendered, median (min)",
      `${ms(quantile(loads, 0.5))} (${ms(Math.min(...loads))})`,
    ]);
    record.push(["of which the overview's script, median", ms(quantile(renders, 0.5))]);
    await measureFilters(page, "team-3", (r) => record.push(r));
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
}
