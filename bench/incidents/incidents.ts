// `GET /incidents` at scale, in process: the state machine of one node with `--modules` × `--monitors`
// monitors (default 500 × 100 = 50,000), `--open` of them failing with an open incident (half acknowledged),
// and `--history` of them with `--past` resolved incidents each (opened, acknowledged, resolved). Times
// `listIncidents` (what the route answers) for the queries the dashboard sends, and the answer's size.
// Run: npx -y pnpm@12.21.0 --filter @amstaff/bench run incidents [--modules 500 --monitors 100]
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { listIncidents } from "../../packages/server/src/state/incidentHistory.ts";
import { benchModule, benchState } from "../state.ts";

const { values } = parseArgs({
  allowPositionals: true,
  options: {
    modules: { type: "string", default: "500" },
    monitors: { type: "string", default: "100" },
    open: { type: "string", default: "1000" },
    history: { type: "string", default: "5000" },
    past: { type: "string", default: "5" },
    runs: { type: "string", default: "20" },
  },
});
const modules = Number(values.modules);
const perModule = Number(values.monitors);
const openCount = Number(values.open);
const historyCount = Number(values.history);
const past = Number(values.past);
const runs = Number(values.runs);

const { machine, apply } = benchState();

const built = performance.now();
const names: [module: string, monitor: string, version: number][] = [];
for (let m = 0; m < modules; m++) {
  const module = `Service ${m}`;
  const monitors = Array.from({ length: perModule }, (_, i) => ({
    name: `Check ${i}`,
    tags: [`team${m % 10}`],
  }));
  const version = apply(benchModule(module, monitors, "30s", 1));
  for (const { name } of monitors) names.push([module, name, version]);
}

let at = 1_000;
const change = (module: string, monitor: string, version: number, from: string, to: string) => {
  at += 10;
  apply({
    type: "transition.record",
    module,
    monitor,
    moduleVersion: version,
    from,
    to,
    since: at,
    flapping: false,
    result: { status: to, message: `HTTP ${to === "ok" ? 200 : 500}`, durationMs: 5, timestamp: at },
    at,
  });
};
const ack = (module: string, monitor: string) => {
  at += 10;
  apply({
    type: "incident.ack",
    module,
    monitor,
    by: "alice",
    actor: { name: "alice", team: "default", role: "operate" },
    at,
  });
};

for (const [i, [module, monitor, version]] of names.entries()) {
  const withHistory = i < historyCount;
  const open = i >= names.length - openCount;
  if (!withHistory && !open) continue;
  change(module, monitor, version, "pending", "ok");
  if (withHistory) {
    for (let p = 0; p < past; p++) {
      change(module, monitor, version, "ok", "critical");
      ack(module, monitor);
      change(module, monitor, version, "critical", "ok");
    }
  }
  if (open) {
    change(module, monitor, version, "ok", "critical");
    if (i % 2 === 0) ack(module, monitor);
  }
}
const buildMs = performance.now() - built;

const sample = names[names.length - 1]!;
const queries: [label: string, query: Parameters<typeof listIncidents>[1]][] = [
  ["open and acknowledged, limit 500 (Incidents page)", { states: ["open", "acknowledged"], limit: 500 }],
  ["resolved, limit 20 (Incidents page)", { states: ["resolved"], limit: 20 }],
  ["every state, limit 50 (the API's default)", { limit: 50 }],
  ["one monitor, limit 10 (monitor page)", { module: sample[0], monitor: sample[1], limit: 10 }],
];

const rows = queries.map(([label, query]) => {
  const times: number[] = [];
  const cpu: number[] = [];
  let bytes = 0;
  let count = 0;
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    const page = listIncidents(machine, query);
    const body = JSON.stringify(page);
    const used = process.cpuUsage(startCpu);
    times.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
    bytes = body.length;
    count = page.incidents.length;
  }
  const pick = (list: number[], q: number) =>
    list.sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(q * list.length))]!.toFixed(1);
  return `| ${label} | ${count} | ${(bytes / 1024).toFixed(0)} KiB | ${pick(times, 0.5)} | ${pick(times, 0.95)} | ${pick(cpu, 0.5)} |`;
});

const transitions = machine
  .modules()
  .reduce(
    (n, m) => n + m.definition.monitors.reduce((k, d) => k + machine.transitionsOf(m.name, d.name).length, 0),
    0,
  );
process.stdout.write(
  [
    `load average ${loadavg()[0]!.toFixed(1)}; ${names.length.toLocaleString()} monitors, ${openCount} open incidents (half acknowledged), ${historyCount} monitors with ${past} resolved incidents each; ${transitions.toLocaleString()} transitions kept; state built in ${(buildMs / 1000).toFixed(1)} s; ${runs} runs per query (JSON serialisation included)`,
    "",
    "| query | incidents | answer | p50 ms | p95 ms | CPU p50 ms |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n"),
);
