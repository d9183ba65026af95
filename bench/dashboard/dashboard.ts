// Dashboard at scale: one real server with 50,000 HTTP monitors (500 modules of 100, every 5 min, against
// a local keep-alive target) and Debian's Chromium driven by playwright-core. Measures the overview
// endpoint's latency and size, the time from navigation to every module group rendered (rows
// virtualised: the DOM holds a screenful), the filter latency in the page, scrolling through a long
// group, and the live-update lag of status changes while all the monitors sample. Prints a markdown table.
//   npx -y pnpm@12.21.0 --filter @amstaff/server run build
//   npx -y pnpm@12.21.0 --filter @amstaff/bench run dashboard -- --modules 500 --monitors 100 --every 5m
// With `--every 10s --fill-s 300` every ring of recent samples is full when the page is measured.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { eventually, Node } from "../cluster/nodes.ts";
import { measureFilters, measureNavigation, ms, printTable, quantile } from "./page.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    modules: { type: "string", default: "500" },
    monitors: { type: "string", default: "100" },
    every: { type: "string", default: "5m" },
    requests: { type: "string", default: "50" },
    loads: { type: "string", default: "5" },
    failures: { type: "string", default: "20" },
    // Seconds to let the monitors sample after they settled, before measuring: with `--every 10s`, 300 s
    // fills every monitor's ring of 30 recent samples (the overview's heaviest).
    "fill-s": { type: "string", default: "0" },
    chromium: { type: "string", default: process.env.AMSTAFF_CHROMIUM ?? "/usr/bin/chromium" },
  },
});
const moduleCount = Number(values.modules);
const perModule = Number(values.monitors);
const total = moduleCount * perModule;
const token = "bench-token-0123456789";

/** A keep-alive target answering 200, or 500 on the paths the benchmark breaks. */
async function startTarget() {
  const failing = new Set<string>();
  const server: Server = createServer({ keepAlive: true }, (request, response) => {
    request.resume();
    const status = failing.has(request.url ?? "") ? 500 : 200;
    response.writeHead(status, { "content-type": "application/json" });
    response.end(status === 200 ? '{"status":"UP"}' : '{"status":"DOWN"}');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failing,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** "30s", "2m", "1h" in milliseconds. */
const intervalMs = (every: string) =>
  Number.parseInt(every, 10) * ({ s: 1_000, m: 60_000, h: 3_600_000 }[every.replace(/^\d+/, "")] ?? 1_000);
const moduleName = (i: number) => `Service ${String(i).padStart(3, "0")}`;
const moduleSource = (i: number, targetUrl: string) => `import { amstaff, every } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("${moduleName(i)}", (m) => {
  for (let i = 0; i < ${perModule}; i++) {
    m.monitor("check-" + i, {
      sampler: httpGet({ url: "${targetUrl}/m${i}/" + i }),
      timing: every("${values.every}"),
      tags: ["team-" + (${i} % 10), i % 2 === 0 ? "even" : "odd"],
    });
  }
});
`;

/** The module whose monitors the live-update measure breaks: few, fast, among all the others. */
const liveSource = (count: number, targetUrl: string) => `import { amstaff, every } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("Live", (m) => {
  for (let i = 0; i < ${count}; i++)
    m.monitor("live-" + i, { sampler: httpGet({ url: "${targetUrl}/live/" + i }), timing: every("2s") });
});
`;
const rows: [string, string][] = [];
/** Keeps a measure for the table, and prints it at once: a run that fails later keeps what it measured. */
const record = (row: [string, string]) => {
  rows.push(row);
  process.stderr.write(`${row[0]}: ${row[1]}\n`);
};
const target = await startTarget();
const node = new Node("a", [], {});
const browser = await chromium.launch({ executablePath: values.chromium, args: ["--no-sandbox"] });
try {
  await node.start();
  const pushStarted = performance.now();
  for (let i = 0; i < moduleCount; i++) {
    const pushed = await node.api("/monitor", { method: "POST", body: moduleSource(i, target.url) });
    if (pushed.status !== 201) throw new Error(`push ${i} failed: ${JSON.stringify(pushed.body)}`);
  }
  record([
    `monitors (modules × monitors, every ${values.every})`,
    `${total} (${moduleCount} × ${perModule})`,
  ]);
  record(["push of every module (sequential)", `${((performance.now() - pushStarted) / 1000).toFixed(1)} s`]);
  const live = await node.api("/monitor", {
    method: "POST",
    body: liveSource(Number(values.failures), target.url),
  });
  if (live.status !== 201) throw new Error(`push of Live failed: ${JSON.stringify(live.body)}`);
  // Every monitor settles on a status within one interval of its module's push.
  const settleStarted = performance.now();
  await eventually(
    async () => {
      const overview = (await node.api("/overview")).body as { monitors: { s: string }[] };
      return overview.monitors.filter((m) => m.s !== "pending").length >= total * 0.99 ? true : undefined;
    },
    Math.max(600_000, 2 * intervalMs(values.every)),
    "99% of the monitors settled",
    5_000,
  );
  record([
    "99% of the monitors settled after the last push",
    `${((performance.now() - settleStarted) / 1000).toFixed(0)} s`,
  ]);

  if (Number(values["fill-s"]) > 0) {
    await new Promise((resolve) => setTimeout(resolve, Number(values["fill-s"]) * 1000));
    record(["sampled before measuring (`--fill-s`)", `${values["fill-s"]} s`]);
  }

  // The overview endpoint: one request for everything the overview shows.
  const latencies: number[] = [];
  let bytes = 0;
  for (let i = 0; i < Number(values.requests); i++) {
    const started = performance.now();
    const response = await fetch(`${node.url}/overview`, { headers: { authorization: `Bearer ${token}` } });
    bytes = (await response.arrayBuffer()).byteLength;
    latencies.push(performance.now() - started);
  }
  record(["GET /overview p50 / p95", `${ms(quantile(latencies, 0.5))} / ${ms(quantile(latencies, 0.95))}`]);
  record(["GET /overview size (uncompressed)", `${(bytes / 1024).toFixed(0)} KiB`]);

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript((t) => sessionStorage.setItem("amstaff.token", t), token);
  const page = await context.newPage();

  // Navigation to every group rendered (the sign-in skipped: the token is already in the tab).
  const { loads, renders } = await measureNavigation(page, node.url, moduleCount + 1, Number(values.loads));
  record([
    "navigation → overview rendered, median (min)",
    `${ms(quantile(loads, 0.5))} (${ms(Math.min(...loads))})`,
  ]);
  record([
    `of which the overview's script (${total.toLocaleString("en")} rows to groups), median`,
    ms(quantile(renders, 0.5)),
  ]);
  record([
    "table rows in the DOM after navigation (virtualised)",
    String(await page.evaluate(() => document.querySelectorAll("tr.row").length)),
  ]);

  // Filters: the script's own pass (User Timing) and the time to the next frame.
  await measureFilters(page, "team-3", record);

  // Scrolling: the page's windows of rows follow the viewport; time from each scroll to the next frame.
  await page.evaluate(() => {
    const s = document.getElementById("filter-status") as HTMLSelectElement;
    s.value = "ok";
    s.dispatchEvent(new Event("change"));
  });
  const scrolls = await page.evaluate(async () => {
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      window.scrollBy(0, 700);
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
      times.push(performance.now() - started);
    }
    return { times, rows: document.querySelectorAll("tr.row").length };
  });
  record([
    `scroll 700 px through open groups → next frame p50 / max (${scrolls.rows} rows in the DOM)`,
    `${ms(quantile(scrolls.times, 0.5))} / ${ms(Math.max(...scrolls.times))}`,
  ]);
  await page.evaluate(() => {
    window.scrollTo(0, 0);
    const s = document.getElementById("filter-status") as HTMLSelectElement;
    s.value = "";
    s.dispatchEvent(new Event("change"));
  });

  // Live updates under load: break the `failures` monitors of the Live module (every 2 s) while all the
  // others sample; each failing probe commits a transition; the lag is from the failing probe's start
  // (the row's "since") to the row showing "critical" in the page, without a reload.
  const broken = Array.from({ length: Number(values.failures) }, (_, i) => ({
    monitor: `live-${i}`,
    path: `/live/${i}`,
  }));
  await page.evaluate(() => {
    (window as unknown as { marker: boolean }).marker = true;
  });
  await page.evaluate(
    (monitors) => {
      const w = window as unknown as { lags: number[] };
      w.lags = [];
      const pending = new Set(monitors.map((m) => `#/monitor/Live/${encodeURIComponent(m)}`));
      const check = () => {
        for (const href of pending) {
          const row = document.querySelector(`a[href="${href}"]`)?.closest("tr");
          if (row?.querySelector(".badge")?.textContent === "critical") {
            const since = row.querySelector("time")?.getAttribute("datetime");
            if (since) w.lags.push(Date.now() - Date.parse(since));
            pending.delete(href);
          }
        }
        if (pending.size > 0) requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    },
    broken.map((b) => b.monitor),
  );
  for (const b of broken) target.failing.add(b.path);
  const lags = await eventually(
    async () => {
      const found = await page.evaluate(() => (window as unknown as { lags: number[] }).lags);
      return found.length === broken.length ? found : undefined;
    },
    120_000,
    "every broken monitor shown critical",
    500,
  );
  if (!(await page.evaluate(() => (window as unknown as { marker?: boolean }).marker))) {
    throw new Error("the page reloaded");
  }
  record([
    `live update lag, failing probe → row critical (${lags.length} monitors) p50 / max`,
    `${ms(quantile(lags, 0.5))} / ${ms(Math.max(...lags))}`,
  ]);
  const usage = node.usage();
  record([
    "server CPU time total / RSS at the end",
    `${usage.cpuSeconds.toFixed(1)} s / ${usage.rssMiB.toFixed(0)} MiB`,
  ]);
} finally {
  await browser.close();
  await node.dispose();
  await target.close();
}

printTable(rows);
