// A 1000-monitor push end to end on a real server process (the built packages/server/dist/cli.js), a
// cluster of one on loopback with its embedded Raft log: `--modules` (5) modules of `--monitors` (1000)
// HTTP monitors (every 10 s, against a local keep-alive target) pushed one after the other, as
// `cluster:capacity` pushes them. Per push: the HTTP answer's latency, the server's CPU time for it (its
// process and its children: the sandbox processes, esbuild's service), and from the answer until every new
// monitor's first status is committed through the log (each monitor's first run commits `pending → ok`, one
// log entry each), with the CPU time of that stretch. `--cpu-prof <dir>` runs the server under
// `node --cpu-prof` (summarise with `node cluster/profile.ts <dir>/*.cpuprofile`).
// Run: npx -y pnpm@12.21.0 --filter @amstaff/server run build
//      npx -y pnpm@12.21.0 --filter @amstaff/bench run push:server [--modules 5 --monitors 1000]
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { readProcStat } from "../../packages/dsl/src/cpuTime.ts";
import {
  eventually,
  httpModuleSource,
  load,
  machine,
  type Node,
  sleep,
  startNodes,
  startTarget,
} from "../cluster/nodes.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    modules: { type: "string", default: "5" },
    monitors: { type: "string", default: "1000" },
    "cpu-prof": { type: "string" },
  },
});
const modules = Number(values.modules);
const size = Number(values.monitors);
const profileDir = values["cpu-prof"] === undefined ? undefined : resolve(values["cpu-prof"]);

/** CPU seconds of a process and all its descendants, from /proc. */
function treeCpuSeconds(root: number): number {
  const parents = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat === undefined) continue;
    parents.set(Number(entry), stat.parent);
    cpu.set(Number(entry), stat.cpuMs / 1000);
  }
  const inTree = (pid: number): boolean => {
    for (let at: number | undefined = pid; at !== undefined && at > 1; at = parents.get(at)) {
      if (at === root) return true;
    }
    return false;
  };
  let total = 0;
  for (const [pid, seconds] of cpu) if (inTree(pid)) total += seconds;
  return total;
}

/** First statuses (`pending → …`) committed for a module, from `/metrics`. */
async function firstStatuses(node: Node, module: string): Promise<number> {
  const text = await node.text("/metrics", 30_000).catch(() => "");
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`amstaff_transitions_total{module="${module}"`) && line.includes('from="pending"'))
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

const loadAtStart = load();
const target = await startTarget();
target.record = false;
const [node] = await startNodes(
  ["a"],
  { name: "raft" },
  profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [],
);
if (!node?.pid) throw new Error("the server did not start");
const pid = node.pid;
const rows: string[] = [];
try {
  // Let the start (compiler warm-up, first snapshot) settle.
  await sleep(3_000);
  for (let i = 0; i < modules; i++) {
    const name = `push-${i}`;
    const cpuBefore = treeCpuSeconds(pid);
    const started = performance.now();
    const answer = await node.api("/monitor", {
      method: "POST",
      body: httpModuleSource(name, size, target.url),
      timeoutMs: 120_000,
    });
    const pushMs = performance.now() - started;
    if (answer.status !== 201) throw new Error(`push ${name}: ${JSON.stringify(answer.body).slice(0, 500)}`);
    const cpuPushed = treeCpuSeconds(pid);
    await eventually(
      async () => ((await firstStatuses(node, name)) >= size ? true : undefined),
      300_000,
      `${size} first statuses of ${name}`,
      200,
    );
    const settledMs = performance.now() - started - pushMs;
    const cpuSettled = treeCpuSeconds(pid);
    rows.push(
      `| ${name} | ${i * size} | ${pushMs.toFixed(0)} | ${((cpuPushed - cpuBefore) * 1000).toFixed(0)} | ${settledMs.toFixed(0)} | ${((cpuSettled - cpuPushed) * 1000).toFixed(0)} |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
  }
} finally {
  // A gentle stop lets `--cpu-prof` write its profile.
  await node.stop(profileDir ? "SIGINT" : "SIGKILL");
  await node.dispose();
  await target.close();
}
process.stdout.write(
  [
    `${machine(loadAtStart, load())}; one node (a Raft cluster of one), ${modules} modules of ${size} HTTP monitors every 10 s`,
    "",
    "| module | monitors already running | push answered ms | CPU ms (server + children) | then all first statuses committed ms | CPU ms |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n"),
);
