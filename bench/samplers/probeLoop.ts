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
