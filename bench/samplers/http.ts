// HTTP probes per second of @amstaff/sampler-http at 1, 64 and 512 concurrent monitors, beside the same
// loop with Node's built-in fetch(). Not a test. Build first (`npx -y pnpm@12.21.0 build`), then
//   npx -y pnpm@12.21.0 --filter @amstaff/bench run samplers:http [-- --seconds 5 --monitors 1,64,512]
//
// Every row runs in a fresh client process, so its CPU time (process.cpuUsage) and memory (RSS, heap)
// are its own; the keep-alive node:http target runs in another process, so its work is not counted.
// A "monitor" is one sampler instance (or one fetch loop) probing back to back until the row's time is up.
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { measureProbes, type Probe, type RowResult } from "./probeLoop.ts";

const self = fileURLToPath(import.meta.url);
const body = JSON.stringify({ status: "UP", checks: { db: { status: "up" } } });

async function serve(): Promise<void> {
  const server = createServer((_request, response) => {
    response.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    response.end(body);
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

async function measure(client: string, monitors: number, url: string, seconds: number): Promise<RowResult> {
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
    const { httpSampler } = await import("@amstaff/sampler-http");
    const expect = client.includes("json") ? { expect: { json: "checks.db.status", equals: "up" } } : {};
    const sampler = httpSampler({ url, ...expect });
    const controller = new AbortController();
    return async () => (await sampler.probe({ signal: controller.signal })).status === "ok";
  };
  const probes = await Promise.all(Array.from({ length: monitors }, makeProbe));
  return measureProbes(client, probes, seconds);
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
  },
});

if (values.server) {
  await serve();
} else if (values.client !== undefined && values.url !== undefined) {
  const result = await measure(values.client, Number(values.monitors), values.url, Number(values.seconds));
  process.send?.(result);
  process.disconnect?.();
  process.exit(0);
} else {
  const seconds = Number(values.seconds);
  const loadBefore = loadavg()[0]?.toFixed(1);
  const server = fork(self, ["--server"]);
  const [{ port }] = (await once(server, "message")) as [{ port: number }];
  const url = `http://127.0.0.1:${port}/health`;
  const clients = ["sampler-http", "sampler-http + json", "fetch()"];
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
    `HTTP probes against a local keep-alive node:http server (${seconds} s per row, Node ${process.version}, ` +
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
