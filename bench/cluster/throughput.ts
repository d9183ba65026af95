// Write throughput: three real amstaff-server processes on loopback, on Raft or on etcd (`--engine raft`,
// `etcd` or `raft,etcd`; etcd: a fresh 3-member cluster of Debian's etcd-server on loopback). `--writers`
// concurrent clients, spread over the nodes, each set one-minute silences (`POST /silences`, a small command
// that goes straight to the log) one after the other for `--seconds`; a write counts once it is answered
// 201, that is committed and applied on the node written to. Prints one markdown table with every engine's
// row: writes per second, latency p50 / p99, failed writes, and the machine's load average.
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

/** One writer: silences in a loop on `node` until `until`, each write's latency in `latencies`. */
async function writer(node: Node, until: number, result: Result): Promise<void> {
  while (Date.now() < until) {
    const started = performance.now();
    const answer = await node
      .api("/silences", { method: "POST", body: '{"for":"1m","reason":"bench"}', timeoutMs: 20_000 })
      .catch(() => undefined);
    if (answer?.status === 201) result.latencies.push(performance.now() - started);
    else result.failed++;
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
