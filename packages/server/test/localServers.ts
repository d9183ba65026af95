import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An HTTP service whose health endpoint answers whatever status the test sets. */
export async function startTarget() {
  const target = {
    status: 200,
    hits: 0,
    url: "",
    server: createServer(),
    /** Every probe: when, which path, and the node that sent it (its `x-prober` header). */
    probes: [] as { at: number; path: string; node: string | undefined }[],
    /** Per-path statuses, overriding `status`. */
    statusOf: new Map<string, number>(),
    /** Per-path delays before answering, in ms (a slow target, for latency thresholds). */
    delayOf: new Map<string, number>(),
  };
  target.server.on("request", (request, response) => {
    target.hits++;
    const path = request.url ?? "/";
    const node = request.headers["x-prober"];
    target.probes.push({ at: Date.now(), path, node: typeof node === "string" ? node : undefined });
    const status = target.statusOf.get(path) ?? target.status;
    request.resume();
    const answer = () => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify({ status: status === 200 ? "UP" : "DOWN" }));
    };
    const delay = target.delayOf.get(path) ?? 0;
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  });
  target.url = await listen(target.server);
  return Object.assign(target, {
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => target.server.close(() => resolve())),
  });
}

/** A webhook receiver that keeps every notification it gets. */
export async function startReceiver() {
  const receiver = {
    received: [] as { headers: Record<string, string | string[] | undefined>; body: any }[],
    url: "",
    server: createServer(),
  };
  receiver.server.on("request", (request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      receiver.received.push({
        headers: request.headers,
        body: JSON.parse(Buffer.concat(chunks).toString()),
      });
      response.writeHead(204).end();
    });
  });
  receiver.url = await listen(receiver.server);
  return Object.assign(receiver, {
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => receiver.server.close(() => resolve())),
  });
}

// Each module probes its own path on the target, with the probing node's id in a header (a secret
// resolved from the node's secret store, PROBER), so the target sees who sampled what, and when; its
// notifications carry the same header, so the receiver sees which node sent each one.
export const proberModuleSource = (
  name: string,
  targetUrl: string,
  hookUrl: string,
) => `import { amstaff, every, secret } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("${name}", (m) => {
  m.monitor("health", {
    sampler: httpGet({ url: "${targetUrl}/${name}", headers: { "x-prober": secret("PROBER") } }),
    timing: every("1s"),
    handlers: [webhook({ url: "${hookUrl}/hook", headers: { "x-prober": secret("PROBER") } })],
  });
});
`;
