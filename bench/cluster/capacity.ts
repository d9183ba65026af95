// Capacity: how many monitors (HTTP GET every 10 s against a local keep-alive target) one node and a
// 3-node cluster sustain while the sampling lateness p99 (how late probes start against their due time,
// from GET /health on every node) stays under 100 ms, and what that costs: CPU, RSS per monitor, and the
// event loop's delay (p99 and max, from GET /health). Steps the monitor count up (`--steps` for one node,
// `--cluster-steps` for more), pushed one after the other as modules of at most 1000 monitors (at least
// one module per node); each step settles, waits out the lateness window, then measures for two
// intervals. A step over the limit is tried again (`--tries`, default 2 in all); a configuration stops at a
// step that fails every try.
// Prints a markdown table.
//   npx -y pnpm@12.21.0 --filter @amstaff/server run build
//   npx -y pnpm@12.21.0 --filter @amstaff/bench run cluster:capacity -- --nodes 1 --steps 10000,50000
// `--cpu-prof <dir>` runs the servers under `node --cpu-prof` and stops them gently at the end, so each
// writes a .cpuprofile there (open it in Chrome's DevTools, or summarize it with `bench/cluster/profile.ts`).
// `--node-args=--max-semi-space-size=8` gives the servers' Node.js flags (after an =, space-separated).
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  eventually,
  httpModuleSource,
  load,
  machine,
  type Node,
  sleep,
  startNodes,
  startTarget,
} from "./nodes.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    steps: { type: "string", default: "1000,5000,10000,20000,50000" },
    "cluster-steps": { type: "string", default: "100000" },
    nodes: { type: "string", default: "1,3" },
    "measure-s": { type: "string", default: "20" },
    "cpu-prof": { type: "string" },
    tries: { type: "string", default: "2" },
    "node-args": { type: "string", default: "" },
  },
});
const stepsOf = (nodeCount: number) =>
  (nodeCount === 1 ? values.steps : values["cluster-steps"]).split(",").map(Number);
const intervalMs = 10_000;
const limitMs = 100;
const measureMs = Number(values["measure-s"]) * 1000;
// GET /health reports lateness over the last 10 to 20 s: wait until the push and the first runs (which
// commit each new monitor's first status through the log) are out of it, to measure the steady state.
const flushMs = 25_000;
const profileDir = values["cpu-prof"] === undefined ? undefined : resolve(values["cpu-prof"]);
const nodeFlags = [
  ...(profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : []),
  ...values["node-args"].split(" ").filter(Boolean),
];

interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

interface Health {
  scheduler: { runs: number; skipped: number; latenessMs: Percentiles; slots: { limit: number } };
  eventLoopDelayMs: Percentiles;
}

// A node this loaded may drop a connection now and then: a reading is tried three times.
const health = async (node: Node): Promise<Health> => {
  for (let tries = 1; ; tries++) {
    try {
      return (await node.api("/health", { timeoutMs: 10_000 })).body as Health;
    } catch (error) {
      if (tries === 3) throw error;
    }
  }
};

/**
 * The step's monitors still `pending` in the committed state (no first status yet), as the first node
 * reads it. Not the nodes' `amstaff_transitions_total`: a node counts a change whose outcome it could not
 * learn (the leader changed meanwhile) only at the monitor's next run, when the log refuses it again.
 */
async function stillPending(node: Node, prefix: string): Promise<number> {
  const { status, body } = await node.api("/monitors?status=pending", { timeoutMs: 60_000 });
  if (status !== 200) throw new Error(`GET /monitors answered ${status}`);
  return (body as { module: string }[]).filter((m) => m.module.startsWith(prefix)).length;
}

interface Row {
  nodes: number;
  monitors: number;
  modules: number;
  probesPerS: number;
  p50: number;
  p99: number;
  max: number;
  skipped: number;
  slots: number;
  loopP99: number;
  loopMax: number;
  cpu: string;
  rss: string;
  kbPerMonitor: number;
  pushS: number;
  pushRetries: number;
  targetCpu: number;
  ok: boolean;
}

async function measure(nodeCount: number, rows: Row[]): Promise<void> {
  const target = await startTarget();
  target.record = false;
  const ids = ["a", "b", "c", "d", "e"].slice(0, nodeCount);
  const nodes = await startNodes(ids, { name: "raft" }, nodeFlags);
  const steps = stepsOf(nodeCount);
  let pushed: string[] = [];
  try {
    if (nodeCount > 1) {
      await eventually(
        async () => {
          const view = await nodes[0]!.api("/cluster", { timeoutMs: 3_000 }).catch(() => undefined);
          return view?.body.leader && view.body.members.every((m: { health: string }) => m.health === "up")
            ? true
            : undefined;
        },
        60_000,
        "a leader and every node up",
        200,
      );
    }
    for (let step = 0, attempt = 1; step < steps.length; ) {
      const monitors = steps[step]!;
      for (const name of pushed) await nodes[0]!.api(`/modules/${name}`, { method: "DELETE" });
      const modules = Math.max(nodeCount, Math.ceil(monitors / 1000));
      pushed = Array.from({ length: modules }, (_, i) => `cap-${monitors}-${i}`);
      const runsBefore = (await Promise.all(nodes.map(health))).reduce((s, h) => s + h.scheduler.runs, 0);
      const pushStart = Date.now();
      let pushRetries = 0;
      for (const [i, name] of pushed.entries()) {
        const size = Math.floor(monitors / modules) + (i < monitors % modules ? 1 : 0);
        for (let tries = 1; ; tries++) {
          // A connection reset (a kept-alive connection the busy server closed) is retried too.
          const answer = await nodes[0]!
            .api("/monitor", {
              method: "POST",
              body: httpModuleSource(name, size, target.url),
              timeoutMs: 120_000,
            })
            .catch((error: unknown) => ({
              status: 0,
              body: { error: { code: "AMS_ERR_LOG_OUTCOME_UNKNOWN", cause: String(error) } },
            }));
          // 200: unchanged, a retried push whose first try was applied after all.
          if (answer.status === 201 || answer.status === 200) break;
          // A leader busy writing a snapshot may not answer a forwarded push in time (a push is
          // idempotent): counted, retried. (The sandbox's limit is CPU time, which a busy machine does
          // not use up.)
          const unknown = answer.body?.error?.code === "AMS_ERR_LOG_OUTCOME_UNKNOWN";
          if (!unknown || tries === 5)
            throw new Error(`push ${name}: ${JSON.stringify(answer.body).slice(0, 500)}`);
          pushRetries++;
        }
        // One push at a time, and its new monitors' first runs (within 1 s, each committing its first
        // status) out of the way before the next compile.
        await sleep(1_500);
      }
      const pushedMs = Date.now() - pushStart;
      // Settled: every monitor ran at least once, on whichever node owns it.
      await eventually(
        async () => {
          const runs = (await Promise.all(nodes.map(health))).reduce((s, h) => s + h.scheduler.runs, 0);
          return runs - runsBefore >= monitors ? true : undefined;
        },
        300_000,
        `${monitors} monitors running`,
        500,
      );
      // And every monitor's first status committed through the log (one entry each): until then the push
      // is not over.
      let pending = monitors;
      await eventually(
        async () => {
          pending = await stillPending(nodes[0]!, `cap-${monitors}-`).catch(() => pending);
          return pending === 0 ? true : undefined;
        },
        900_000,
        `${monitors} first statuses committed`,
        5_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message} (${pending} still pending)`);
      });
      const settledMs = Date.now() - pushStart;
      await sleep(flushMs);
      const before = nodes.map((n) => n.usage());
      // The target runs in this process: its CPU tells whether it, not the server, was the bottleneck.
      const benchCpuBefore = process.cpuUsage();
      const hitsBefore = target.hits;
      const skippedBefore = (await Promise.all(nodes.map(health))).reduce(
        (s, h) => s + h.scheduler.skipped,
        0,
      );
      const started = Date.now();
      let p50 = 0;
      let p99 = 0;
      let max = 0;
      let skipped = 0;
      let slots = 0;
      let loopP99 = 0;
      let loopMax = 0;
      while (Date.now() - started < measureMs) {
        await sleep(2_000);
        const answers = await Promise.all(nodes.map(health));
        for (const h of answers) {
          p50 = Math.max(p50, h.scheduler.latenessMs.p50);
          p99 = Math.max(p99, h.scheduler.latenessMs.p99);
          max = Math.max(max, h.scheduler.latenessMs.max);
          slots = Math.max(slots, h.scheduler.slots.limit);
          loopP99 = Math.max(loopP99, h.eventLoopDelayMs.p99);
          loopMax = Math.max(loopMax, h.eventLoopDelayMs.max);
        }
        skipped = answers.reduce((s, h) => s + h.scheduler.skipped, 0) - skippedBefore;
      }
      const elapsedS = (Date.now() - started) / 1000;
      const after = nodes.map((n) => n.usage());
      const benchCpu = process.cpuUsage(benchCpuBefore);
      const cpu = after.map(
        (u, i) => `${Math.round((100 * (u.cpuSeconds - before[i]!.cpuSeconds)) / elapsedS)}`,
      );
      const rss = after.map((u) => `${Math.round(u.rssMiB)}`);
      const row: Row = {
        nodes: nodeCount,
        monitors,
        modules,
        probesPerS: Math.round((target.hits - hitsBefore) / elapsedS),
        p50,
        p99,
        max,
        skipped,
        slots,
        loopP99,
        loopMax,
        cpu: cpu.join(" / "),
        rss: rss.join(" / "),
        kbPerMonitor: Math.round((after.reduce((sum, u) => sum + u.rssMiB, 0) * 1024) / monitors),
        pushS: Math.round(pushedMs / 100) / 10,
        pushRetries,
        targetCpu: Math.round((benchCpu.user + benchCpu.system) / 10_000 / elapsedS),
        ok: p99 < limitMs,
      };
      rows.push(row);
      process.stderr.write(`${JSON.stringify({ ...row, pushedMs, settledMs })}\n`);
      // On a shared machine one stall can sink a step: a step over the limit gets a second try.
      if (row.ok) {
        step++;
        attempt = 1;
      } else if (attempt < Number(values.tries)) attempt++;
      else break;
    }
  } finally {
    // A gentle stop lets `--cpu-prof` write its profile.
    if (profileDir) await Promise.all(nodes.map((n) => n.stop("SIGTERM")));
    await Promise.all(nodes.map((n) => n.dispose()));
    await target.close();
  }
}

const rows: Row[] = [];
const loadAtStart = load();
for (const count of values.nodes.split(",").map(Number)) await measure(count, rows);

const lines = [
  "",
  `| nodes | monitors (every ${intervalMs / 1000} s) | modules | push s (all modules) | probes/s | lateness p50 ms | p99 ms | max ms | skipped | slots | event loop p99 ms | max ms | CPU % per node | RSS MiB per node | KB per monitor | target CPU % | p99 < ${limitMs} ms |`,
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.nodes} | ${r.monitors} | ${r.modules} | ${r.pushS}${r.pushRetries ? ` (${r.pushRetries} retried)` : ""} | ${r.probesPerS} | ${r.p50} | ${r.p99} | ${r.max} | ${r.skipped} | ${r.slots} | ${r.loopP99} | ${r.loopMax} | ${r.cpu} | ${r.rss} | ${r.kbPerMonitor} | ${r.targetCpu} | ${r.ok ? "yes" : "**no**"} |`,
  ),
  "",
  "| nodes | largest count with lateness p99 < 100 ms |",
  "|---|---|",
  ...[...new Set(rows.map((r) => r.nodes))].map((n) => {
    const ok = rows.filter((r) => r.nodes === n && r.ok).map((r) => r.monitors);
    const lastOk = rows.filter((r) => r.nodes === n).at(-1)?.ok;
    return `| ${n} | ${ok.length ? Math.max(...ok) : "none"}${lastOk ? " (the largest step tried)" : ""} |`;
  }),
  "",
  machine(loadAtStart, load()),
  "",
];
process.stdout.write(lines.join("\n"));
