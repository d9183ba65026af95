import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request a {@link Receiver} got. */
export interface ReceivedRequest {
  /** The request method, like `"POST"`. */
  method: string;
  /** The path and query. */
  url: string;
  /** The headers, lower-cased by Node. */
  headers: IncomingHttpHeaders;
  /** The body, read as UTF-8. */
  body: string;
}

/** A real HTTP server on 127.0.0.1 that records requests and answers with a {@link Responder}. */
export interface Receiver {
  /** `http://127.0.0.1:<port><path>`. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Every request so far, oldest first. */
  requests: ReceivedRequest[];
  /** Stops it, dropping open connections; closing twice is harmless. */
  close(): Promise<void>;
}

/** Answers a request; returning without ending the response leaves the client waiting. */
export type Responder = (request: ReceivedRequest, response: ServerResponse) => void;

/** How {@link startReceiver} starts a receiver. */
export interface ReceiverOptions {
  /**
   * The path the receiver's `url` ends with (it answers any path).
   * @default "/"
   */
  path?: string;
  /** Called with each request as it arrives, before it is answered. */
  onRequest?: (request: ReceivedRequest) => void;
}

const open = new Set<Server>();

function closeServer(server: Server): Promise<void> {
  if (!open.delete(server)) return Promise.resolve();
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * Starts an HTTP receiver on a free loopback port that records every request and answers with `respond`
 * (by default `204 No Content`). Close it, or every receiver at once with {@link closeReceivers} in
 * `afterEach`.
 *
 * @param respond - answers each request; `() => {}` makes a receiver that never answers
 * @example
 * ```ts
 * afterEach(closeReceivers);
 *
 * const refusing = await startReceiver((_request, response) => response.writeHead(500).end("broken"));
 * ```
 */
export async function startReceiver(
  respond: Responder = (_, response) => response.writeHead(204).end(),
  options: ReceiverOptions = {},
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
      options.onRequest?.(received);
      respond(received, res);
    });
  });
  open.add(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.path ?? "/"}`,
    port,
    requests,
    close: () => closeServer(server),
  };
}

/** Closes every receiver {@link startReceiver} started that is still open. */
export async function closeReceivers(): Promise<void> {
  await Promise.all([...open].map(closeServer));
}
