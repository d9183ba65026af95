import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { NotifyContext, Transition } from "@amstaff/core";

/** One request a {@link Receiver} got. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server on 127.0.0.1 that records requests and answers with `respond`. */
export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** Answers a request; returning without ending the response leaves the client waiting. */
export type Responder = (request: ReceivedRequest, response: ServerResponse) => void;

const open = new Set<Server>();

/** Starts a receiver on a free port. Close it with {@link closeReceivers} in `afterEach`. */
export async function startReceiver(
  respond: Responder = (_, res) => res.writeHead(204).end(),
  onRequest?: (request: ReceivedRequest) => void,
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const received = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(received);
      onRequest?.(received);
      respond(received, res);
    });
  });
  open.add(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    if (!open.delete(server)) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `http://127.0.0.1:${port}/hooks/amstaff`, port, requests, close };
}

/** Closes every receiver still open. */
export async function closeReceivers(): Promise<void> {
  await Promise.all(
    [...open].map(
      (server) =>
        new Promise<void>((resolve) => {
          open.delete(server);
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
}

/** A port nothing listens on: bound, then released. */
export async function freePort(): Promise<number> {
  const receiver = await startReceiver();
  await receiver.close();
  return receiver.port;
}

/** A transition like the server hands to handlers. */
export function sampleTransition(overrides: Partial<Transition> = {}): Transition {
  return {
    id: "tr-0001",
    module: "User Service",
    monitor: "Health-Check",
    tags: ["production", "team8"],
    from: "ok",
    to: "critical",
    since: Date.parse("2026-11-24T01:05:00Z"),
    previousSince: Date.parse("2026-11-24T01:00:00Z"),
    result: {
      status: "critical",
      message: "HTTP 500 from GET http://user-service/health",
      value: 12.5,
      durationMs: 13,
      timestamp: Date.parse("2026-11-24T01:05:00Z"),
      details: { statusCode: 500 },
    },
    ...overrides,
  };
}

/** A notify context for attempt `attempt`. */
export function context(overrides: Partial<NotifyContext> = {}): NotifyContext {
  return {
    signal: new AbortController().signal,
    idempotencyKey: "tr-0001:webhook:0",
    attempt: 1,
    ...overrides,
  };
}
