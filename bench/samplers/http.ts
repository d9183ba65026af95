// HTTP probes per second of @amstaff/sampler-http at 1, 64 and 512 concurrent monitors, beside the same
// loop with Node's built-in fetch(). Not a test. Build first (`npx -y pnpm@12.21.0 build`), then
//   npx -y pnpm@12.21.0 --filter @amstaff/bench run samplers:http [-- --seconds 5 --monitors 1,64,512]
// `--delay-ms` makes the target answer that late (a remote service), so thousands of probes are in
// flight without the target being the bottleneck; `--busy-us` burns that much CPU after each probe (the
// server's own work per sample), so answers wait in their sockets as on a busy node; `--paced` starts
// `monitors / 10` probes a second (monitors every 10 s) instead of running each monitor back to back.
// `--pools` compares undici's `request()` through an Agent of undici's `Pool`s (the sampler's transport
// before issue 20) and through one of the sampler's `ProbePool`s, beside the sampler itself:
//   npx -y pnpm@12.21.0 --filter @amstaff/bench run samplers:http -- --pools --paced --delay-ms 200 --busy-us 100 --monitors 10000,30000
//
// Every row runs in a fresh client process, so its CPU time (process.cpuUsage) and memory (RSS, heap)
// are its own; the keep-alive node:http target runs in another process, so its work is not counted.
// A "monitor" is one sampler instance (or one fetch loop) probing back to back until the row's time is up.
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Dispatcher } from "undici";
import { measureProbes, type Probe, type RowResult } from "./probeLoop.ts";

const self = fileURLToPath(import.meta.url);
const body = JSON.stringify({ status: "UP", checks: { db: { status: "up" } } });

async function serve(delayMs: number): Promise<void> {
  const answer = (response: ServerResponse) => {
    response.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    response.end(body);
  };
  const server = createServer((_request, response) => {
    if (delayMs > 0) setTimeout(answer, delayMs, response);
    else answer(response);
  });
  server.keepAliveTimeout = 120_000;
  let connections = 0;
  server.on("connection", () => {
    connections += 1;
  });
  process.on("message", () => process.send?.({ connections }));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  process.send?.({ port: (server.address() as AddressInfo).port });
  process.on("disconnect", () => process.exit(0));
}

async function measure(
  client: string,
  monitors: number,
  url: string,
  seconds: number,
  busyUs: number,
  paced: boolean,
): Promise<RowResult> {
  const makeProbe = async (): Promise<Probe> => {
    if (client === "fetch()") {
      return async () => {
        try {
          const response = await fetch(url);
          await response.text();
          return response.status === 200;
        } catch {
          return false;
        }
      };
    }
    if (client.startsWith("undici")) return undiciProbe(client, url);
    const { httpSampler } = await import("@amstaff/sampler-http");
    const expect = client.includes("json") ? { expect: { json: "checks.db.status", equals: "up" } } : {};
    const sampler = httpSampler({ url, ...expect });
    const controller = new AbortController();
    return async () => (await sampler.probe({ signal: controller.signal })).status === "ok";
  };
  // Paced, a monitor is a share of the rate, not a loop: a thousand samplers take turns.
  const made = await Promise.all(
    Array.from({ length: paced ? Math.min(monitors, 1000) : monitors }, makeProbe),
  );
  // The server's own work per sample (scheduling, history, metrics): with the event loop that busy,
  // answers wait in their sockets while due probes start.
  const busyMs = busyUs / 1000;
  const probes = made.map((probe) => async () => {
    const ok = await probe();
    const until = performance.now() + busyMs;
    while (performance.now() < until) {}
    return ok;
  });
  return paced ? measurePaced(client, monitors, probes, seconds) : measureProbes(client, probes, seconds);
}

/**
 * Starts `monitors / 10` probes a second, as a node running that many monitors every 10 s does (a late
 * timer starts all that are due at once, before the answers that came in meanwhile are read), for
 * `seconds` after one second of warm-up; CPU and latency over the probes that ended in the window.
 */
async function measurePaced(
  client: string,
  monitors: number,
  probes: readonly Probe[],
  seconds: number,
): Promise<RowResult> {
  const perMs = monitors / 10 / 1000;
  const begun = performance.now();
  let started = 0;
  let window: { from: number; to: number; cpu: NodeJS.CpuUsage } | undefined;
  const latencies: number[] = [];
  let failures = 0;
  const start = () => {
    const at = performance.now();
    probes[started++ % probes.length]!().then((ok) => {
      const now = performance.now();
      if (window === undefined || now < window.from || now >= window.to) return;
      latencies.push(now - at);
      if (!ok) failures++;
    });
  };
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      if (window === undefined && now - begun >= 1000) {
        window = { from: now, to: now + seconds * 1000, cpu: process.cpuUsage() };
      }
      if (window !== undefined && now >= window.to) {
        clearInterval(timer);
        resolve();
        return;
      }
      while (started < (now - begun) * perMs) start();
    }, 10);
  });
  const { from, to, cpu: cpuBefore } = window!;
  const cpu = process.cpuUsage(cpuBefore);
  const elapsed = (Math.min(performance.now(), to) - from) / 1000;
  const memory = process.memoryUsage();
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    client,
    monitors,
    probes: latencies.length,
    failures,
    seconds: elapsed,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssMiB: memory.rss / 2 ** 20,
    heapMiB: memory.heapUsed / 2 ** 20,
    p50: quantile(0.5),
    p99: quantile(0.99),
  };
}

const agents = new Map<string, Dispatcher>();

/** A `request()` through an Agent of undici's Pools or of the sampler's ProbePools (one per row). */
async function undiciProbe(client: string, url: string): Promise<Probe> {
  const { Agent, request } = await import("undici");
  let agent = agents.get(client);
  if (!agent) {
    // The sampler's pool, from its source: it is not part of the package's API.
    const { probePoolFactory } = await import("../../packages/sampler-http/src/probePool.ts");
    agent = new Agent({
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: 0,
      bodyTimeout: 0,
      ...(client.includes("ProbePool") ? { factory: probePoolFactory } : {}),
    });
    agents.set(client, agent);
  }
  const dispatcher = agent;
  return async () => {
    try {
      const response = await request(url, { dispatcher });
      await response.body.text();
      return response.statusCode === 200;
    } catch {
      return false;
    }
  };
}

async function runRow(client: string, monitors: number, url: string, seconds: number): Promise<RowResult> {
  const child: ChildProcess = fork(self, [
    "--client",
    client,
    "--monitors",
    String(monitors),
    "--url",
    url,
    "--seconds",
    String(seconds),
    "--busy-us",
    values["busy-us"],
    ...(values.paced ? ["--paced"] : []),
  ]);
  const [result] = (await once(child, "message")) as [RowResult];
  await once(child, "exit");
  return result;
}

const { values } = parseArgs({
  // pnpm passes the `--` that separates its own options through.
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    server: { type: "boolean", default: false },
    client: { type: "string" },
    url: { type: "string" },
    seconds: { type: "string", default: "5" },
    monitors: { type: "string", default: "1,64,512" },
    pools: { type: "boolean", default: false },
    "delay-ms": { type: "string", default: "0" },
    "busy-us": { type: "string", default: "0" },
    paced: { type: "boolean", default: false },
  },
});

if (values.server) {
  await serve(Number(values["delay-ms"]));
} else if (values.client !== undefined && values.url !== undefined) {
  const result = await measure(
    values.client,
    Number(values.monitors),
    values.url,
    Number(values.seconds),
    Number(values["busy-us"]),
    values.paced,
  );
  process.send?.(result);
  process.disconnect?.();
  process.exit(0);
} else {
  const seconds = Number(values.seconds);
  const loadBefore = loadavg()[0]?.toFixed(1);
  const server = fork(self, ["--server", "--delay-ms", values["delay-ms"]]);
  const [{ port }] = (await once(server, "message")) as [{ port: number }];
  const url = `http://127.0.0.1:${port}/health`;
  const clients = values.pools
    ? ["undici request + Pool", "undici request + ProbePool", "sampler-http"]
    : ["sampler-http", "sampler-http + json", "fetch()"];
  const rows: RowResult[] = [];
  const connections = async () => {
    server.send("count");
    const [reply] = (await once(server, "message")) as [{ connections: number }];
    return reply.connections;
  };
  for (const monitors of values.monitors.split(",").map(Number)) {
    for (const client of clients) {
      const before = await connections();
      const row = await runRow(client, monitors, url, seconds);
      rows.push({ ...row, connections: (await connections()) - before });
    }
  }
  server.disconnect();

  const fixed = (n: number, digits = 0) => n.toFixed(digits);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  print(
    `HTTP probes against a local keep-alive node:http server answering after ${values["delay-ms"]} ms, ${values["busy-us"]} µs of CPU per probe (${seconds} s per row, Node ${process.version}, ` +
      `${cpus().length} × ${cpus()[0]?.model ?? "?"}, load average before: ${loadBefore})\n`,
  );
  print(
    "| client | monitors | probes/s | CPU ms / 1k probes | CPU (cores) | p50 ms | p99 ms | RSS MiB | heap MiB | connections | failed |",
  );
  print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const row of rows) {
    print(
      `| ${row.client} | ${row.monitors} | ${fixed(row.probes / row.seconds)} | ${fixed((row.cpuMs / row.probes) * 1000, 1)} | ${fixed(row.cpuMs / 1000 / row.seconds, 2)} | ${fixed(row.p50, 2)} | ${fixed(row.p99, 2)} | ${fixed(row.rssMiB)} | ${fixed(row.heapMiB, 1)} | ${row.connections} | ${row.failures} |`,
    );
  }
}
