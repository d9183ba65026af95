/**
 * Compile times of a 100-monitor module file: cold (first compile in a fresh process), then warm, with
 * and without type-checking. Run after `npx -y pnpm@12.21.0 build`:
 *   npx -y pnpm@12.21.0 --filter @amstaff/bench run compile
 */
import { availableParallelism, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { closeSandboxes, compileModule, warmCompiler } from "@amstaff/dsl/compiler";
import { webhookPlugin } from "@amstaff/handler-webhook";
import { httpPlugin } from "@amstaff/sampler-http";

const runs = 60;
const plugins = [httpPlugin, webhookPlugin];

function moduleSource(variant: number): string {
  const monitors = Array.from(
    { length: 100 },
    (_, i) => `  m.monitor("Monitor ${i}", {
    sampler: httpGet({ url: "http://service-${i}.example/health", okStatus: [200, 201], latency: { warning: 500, critical: 2000 } }),
    timing: every("${30 + (i % 5)}s"),
    handlers: [webhook({ url: "https://hooks.example.com/amstaff", headers: { authorization: secret("HOOK_TOKEN") } })],
    tags: ["production", "team-${i % 7}", "v${variant}"],
    consecutive: 2,
  });`,
  );
  return `import { amstaff, every, secret } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("Benchmark ${variant}", (m) => {
${monitors.join("\n")}
});
`;
}

interface Timing {
  /** Wall-clock milliseconds. */
  wall: number;
  /** CPU milliseconds of this process (all its threads; the sandbox process is not counted). */
  cpu: number;
}

async function timeCompile(variant: number, typeCheck: boolean): Promise<Timing> {
  const source = moduleSource(variant);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await compileModule(source, { filename: "bench.ts", plugins, typeCheck });
  const wall = performance.now() - started;
  const cpuUsed = process.cpuUsage(cpuBefore);
  if (!result.ok) throw new Error(`benchmark module did not compile: ${JSON.stringify(result.errors[0])}`);
  return { wall, cpu: (cpuUsed.user + cpuUsed.system) / 1000 };
}

function quantile(sorted: number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

const rows: string[][] = [];
const ms = (n: number) => `${n.toFixed(1)} ms`;

const cold = await timeCompile(0, true);
rows.push([
  "cold: first compile of the process, type-check on",
  "1",
  ms(cold.wall),
  ms(cold.wall),
  ms(cold.cpu),
]);

const warmStarted = performance.now();
await warmCompiler({ plugins });
const warmCost = performance.now() - warmStarted;
rows.push(["`warmCompiler()` once already warm", "1", ms(warmCost), ms(warmCost), "–"]);

for (const typeCheck of [true, false]) {
  for (let i = 0; i < 5; i++) await timeCompile(i + 1, typeCheck);
  const timings: Timing[] = [];
  for (let i = 0; i < runs; i++) timings.push(await timeCompile(100 + i, typeCheck));
  const walls = timings.map((t) => t.wall).sort((a, b) => a - b);
  const cpus = timings.map((t) => t.cpu).sort((a, b) => a - b);
  rows.push([
    `warm, type-check ${typeCheck ? "on" : "off"}`,
    String(runs),
    ms(quantile(walls, 0.5)),
    ms(quantile(walls, 0.95)),
    ms(quantile(cpus, 0.5)),
  ]);
}

const [load1 = 0] = loadavg();
console.log(
  `Compiling a module file of 100 monitors (httpGet + webhook each), Node ${process.version}, ${availableParallelism()} CPUs, load average ${load1.toFixed(1)} at the end\n`,
);
console.log("| case | runs | median | p95 | median CPU time of the compiling process |");
console.log("|---|---:|---:|---:|---:|");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
await closeSandboxes();
