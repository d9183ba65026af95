import { fork } from "node:child_process";
import { once } from "node:events";
import { cpus } from "node:os";

/** One row of a sampler benchmark: what one client did with `monitors` probes for `seconds`. */
export interface RowResult {
  client: string;
  monitors: number;
  probes: number;
  failures: number;
  seconds: number;
  cpuMs: number;
  rssMiB: number;
  heapMiB: number;
  p50: number;
  p99: number;
  connections?: number;
}

/** One monitor's probe: resolves whether it found the target healthy. */
export type Probe = () => Promise<boolean>;

/**
 * Runs every probe back to back, all at once, for `seconds` after one second of warm-up (connections
 * opened, drivers loaded, the JIT settled), and measures probes, failures, latency quantiles, CPU and memory.
 */
export async function measureProbes(
  client: string,
  probes: readonly Probe[],
  seconds: number,
  close: () => unknown = () => {},
  /** CPU time of the client's own child processes so far, in ms, added to the row's (SQLite connections). */
  childCpuMs: () => number = () => 0,
): Promise<RowResult> {
  const loop = async (probe: Probe, until: number, latencies: number[] | undefined) => {
    let count = 0;
    let failures = 0;
    while (performance.now() < until) {
      const started = performance.now();
      if (!(await probe())) failures += 1;
      latencies?.push(performance.now() - started);
      count += 1;
    }
    return { count, failures };
  };
  await Promise.all(probes.map((probe) => loop(probe, performance.now() + 1000, undefined)));

  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const childCpuBefore = childCpuMs();
  const started = performance.now();
  const counts = await Promise.all(probes.map((probe) => loop(probe, started + seconds * 1000, latencies)));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const childCpu = childCpuMs() - childCpuBefore;
  const memory = process.memoryUsage();
  await close();
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    client,
    monitors: probes.length,
    probes: counts.reduce((sum, c) => sum + c.count, 0),
    failures: counts.reduce((sum, c) => sum + c.failures, 0),
    seconds: elapsed,
    cpuMs: (cpu.user + cpu.system) / 1000 + childCpu,
    rssMiB: memory.rss / 2 ** 20,
    heapMiB: memory.heapUsed / 2 ** 20,
    p50: quantile(0.5),
    p99: quantile(0.99),
  };
}

/**
 * Measures one row in a fresh process (this script, run again with `args` as `--name value` flags), so the
 * row's CPU time and memory are its own. The child measures and sends its {@link RowResult} back.
 */
export async function measureInChild(
  script: string,
  args: Record<string, string | number>,
): Promise<RowResult> {
  const child = fork(
    script,
    Object.entries(args).flatMap(([name, value]) => [`--${name}`, String(value)]),
  );
  const [result] = (await once(child, "message")) as [RowResult];
  await once(child, "exit");
  return result;
}

/** Hands a child's measured row to the parent that forked it, and ends the child. */
export function reportToParent(result: RowResult): never {
  process.send?.(result);
  process.disconnect?.();
  process.exit(0);
}

/**
 * Measures every client at every monitor count `rounds` times, the clients interleaved, and keeps each
 * one's round with the median probes/s: on a shared machine, one unlucky window should not decide the
 * comparison.
 */
export async function medianOfRounds(
  clients: readonly string[],
  monitorCounts: readonly number[],
  rounds: number,
  measure: (client: string, monitors: number) => Promise<RowResult>,
): Promise<RowResult[]> {
  const rows: RowResult[] = [];
  for (const monitors of monitorCounts) {
    const measured: RowResult[][] = clients.map(() => []);
    for (let round = 0; round < rounds; round += 1) {
      for (const [index, client] of clients.entries()) measured[index]?.push(await measure(client, monitors));
    }
    for (const results of measured) {
      const sorted = [...results].sort((a, b) => a.probes / a.seconds - b.probes / b.seconds);
      const median = sorted[Math.floor(sorted.length / 2)];
      if (median !== undefined) rows.push(median);
    }
  }
  return rows;
}

/** Prints rows as the README's Markdown table, under `title`; `heap` adds the heap column. */
export function printRows(
  title: string,
  rows: readonly RowResult[],
  options: { p50Digits: number; heap: boolean },
): void {
  const fixed = (n: number, digits = 0) => n.toFixed(digits);
  const processors = cpus();
  console.log(`${title} (Node ${process.version}, ${processors.length} × ${processors[0]?.model ?? "?"})\n`);
  const heading = [
    "client",
    "monitors",
    "probes/s",
    "CPU ms / 1k probes",
    "CPU (cores)",
    "p50 ms",
    "p99 ms",
    "RSS MiB",
  ];
  if (options.heap) heading.push("heap MiB");
  heading.push("failed");
  console.log(`| ${heading.join(" | ")} |`);
  console.log(
    `|---|${heading
      .slice(1)
      .map(() => "---:")
      .join("|")}|`,
  );
  for (const row of rows) {
    const cells = [
      row.client,
      String(row.monitors),
      fixed(row.probes / row.seconds),
      fixed((row.cpuMs / row.probes) * 1000, 1),
      fixed(row.cpuMs / 1000 / row.seconds, 2),
      fixed(row.p50, options.p50Digits),
      fixed(row.p99, 2),
      fixed(row.rssMiB),
    ];
    if (options.heap) cells.push(fixed(row.heapMiB, 1));
    cells.push(String(row.failures));
    console.log(`| ${cells.join(" | ")} |`);
  }
}
