// Write throughput: three real amstaff-server processes on loopback, on Raft or on etcd (`--engine raft`,
// `etcd` or `raft,etcd`; etcd: a fresh 3-member cluster of Debian's etcd-server on loopback). `--writers`
// concurrent clients, spread over the nodes, each set a one-minute silence (`POST /silences`, a small
// command that goes straight to the log) and end it (`DELETE /silences/<id>`), one write after the other,
// for `--seconds`; a write counts once it is answered (201, 200), that is committed and applied on the node
// written to. Prints one markdown table with every engine's row: writes per second, latency p50 / p99,
// failed writes, and the machine's load average.
//   npx -y pnpm@12.21.0 --filter @amstaff/server run build
//   npx -y pnpm@12.21.0 --filter @amstaff/bench run cluster:throughput -- --seconds 10 --engine raft,etcd
import { parseArgs } from "node:util";
import { type EngineName, engineNames, withEngine } from "./etcd.ts";
import { type Engine, load, machine, type Node, sleep, startNodes } from "./nodes.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    seconds: { type: "string", default: "10" },
    writers: { type: "string", default: "32" },
    engine: { type: "string", default: "raft" },
  },
});
const seconds = Number(values.seconds);
const writers = Number(values.writers);

/** The `q`-quantile (0…1) of sorted values, nearest rank. */
const quantile = (sorted: number[], q: number) =>
  sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;

interface Result {
  engine: EngineName;
  latencies: number[];
  failed: number;
  elapsedMs: number;
}

/** One write through `node`'s API: its latency in `result` when it is answered `expected`, else a failure. */
async function write(
  node: Node,
  path: string,
  init: { method: string; body?: string },
  expected: number,
  result: Result,
) {
  const started = performance.now();
  const answer = await node.api(path, { ...init, timeoutMs: 20_000 }).catch(() => undefined);
  if (answer?.status === expected) result.latencies.push(performance.now() - started);
  else result.failed++;
  return answer?.body;
}

/**
 * One writer until `until`: sets a one-minute silence, then ends it, two commands each round. Ending them
 * keeps the state small (the state machine keeps only the newest 100 ended silences), so the last second
 * measures the same log as the first.
 */
async function writer(node: Node, until: number, result: Result): Promise<void> {
  while (Date.now() < until) {
    const set = await write(
      node,
      "/silences",
      { method: "POST", body: '{"for":"1m","reason":"bench"}' },
      201,
      result,
    );
    if (typeof set?.id === "string")
      await write(node, `/silences/${set.id}`, { method: "DELETE" }, 200, result);
  }
}

async function run(engine: Engine): Promise<Result> {
  const nodes = await startNodes(["a", "b", "c"], engine);
  try {
    // Let the cluster settle (elections, registrations, the first balancing) before the clock starts.
    await sleep(3_000);
    const result: Result = { engine: engine.name, latencies: [], failed: 0, elapsedMs: 0 };
    const started = Date.now();
    await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        writer(nodes[i % nodes.length]!, started + seconds * 1_000, result),
      ),
    );
    result.elapsedMs = Date.now() - started;
    process.stderr.write(`${engine.name}: ${result.latencies.length} writes, ${result.failed} failed\n`);
    return result;
  } finally {
    await Promise.all(nodes.map((n) => n.dispose()));
  }
}

const loadAtStart = load();
const results: Result[] = [];
for (const name of engineNames(values.engine)) results.push(await withEngine(name, run));
const loadAtEnd = load();
const rows = results.map(({ engine, latencies, failed, elapsedMs }) => {
  const sorted = [...latencies].sort((a, b) => a - b);
  const rate = Math.round((latencies.length / elapsedMs) * 1_000);
  const ms = (q: number) => quantile(sorted, q).toFixed(1);
  return `| ${engine} | ${writers} | ${(elapsedMs / 1_000).toFixed(1)} | ${latencies.length} | ${rate} | ${ms(0.5)} | ${ms(0.99)} | ${failed} |`;
});
process.stdout.write(
  [
    "",
    "| engine | writers | seconds | writes | writes/s | p50 ms | p99 ms | failed |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    machine(loadAtStart, loadAtEnd),
    "",
  ].join("\n"),
);
