import { once } from "node:events";
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

/** A request as the test server received it. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A real HTTP or HTTPS server on a free loopback port, closed by `await using`. */
export interface TestServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`, or `https://` */
  origin: string;
  port: number;
  requests: ReceivedRequest[];
  /** How many TCP connections clients opened. */
  connections(): number;
}

/** Starts a node:http server (node:https with `tls`) on 127.0.0.1, port 0, answering with `handler`. */
export async function startServer(
  handler: (request: ReceivedRequest, response: ServerResponse) => void | Promise<void>,
  tls?: { cert: string; key: string },
): Promise<TestServer> {
  const requests: ReceivedRequest[] = [];
  const listener: RequestListener = async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const received = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
    };
    requests.push(received);
    await handler(received, res);
  };
  const server = tls ? createHttpsServer(tls, listener) : createServer(listener);
  let connections = 0;
  server.on(tls ? "secureConnection" : "connection", () => {
    connections += 1;
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    connections: () => connections,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** Answers with a status and a body. */
export function reply(status: number, body = "", headers: Record<string, string> = {}) {
  return (_request: ReceivedRequest, response: ServerResponse) => {
    response.writeHead(status, headers);
    response.end(body);
  };
}

/** A port that was just free and is now closed: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = await startServer(reply(200));
  const { port } = server;
  await server[Symbol.asyncDispose]();
  return port;
}
