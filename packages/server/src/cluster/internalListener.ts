import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Logger } from "pino";
import type { ClusterTlsFiles } from "./clusterHttp.js";

/** Options of {@link startInternalListener}. */
export interface InternalListenerOptions {
  /** The address to listen on: the node's Raft host, which other nodes can reach. */
  host: string;
  /** @default 0 (a free port) */
  port?: number | undefined;
  /** Mutual TLS against the cluster CA; without it, plain HTTP (`--insecure-cluster-transport`). */
  tls?: ClusterTlsFiles | undefined;
  /**
   * Serves one request for an internal endpoint (`/_cluster/*`). With `tls`, `peer` is the node id its
   * client certificate names (its common name), or `""` when the certificate names none.
   */
  handle: (request: IncomingMessage, response: ServerResponse, peer?: string) => void;
  /** Whether a path is an internal endpoint; anything else answers 404. */
  isInternal: (url: string | undefined) => boolean;
  logger: Logger;
}

/**
 * The listener of the node-to-node endpoints, apart from the API's: with certificates it is HTTPS that
 * demands a client certificate of the cluster CA before reading any HTTP, and it trusts that CA only, so it
 * never shares the API's (possibly public) certificate, trust store or audience. Resolves with the server
 * and the URL to announce to the other nodes (with `host` as given, so a host name matches the SANs).
 */
export async function startInternalListener(
  options: InternalListenerOptions,
): Promise<{ server: Server; url: string }> {
  const { tls } = options;
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    if (options.isInternal(request.url)) {
      return options.handle(request, response, tls ? peerNodeId(request) : undefined);
    }
    request.resume();
    response.writeHead(404, { "content-type": "application/json" });
    response.end(
      JSON.stringify({ error: { code: "AMS_ERR_REQUEST_INVALID", message: "No such endpoint." } }),
    );
  };
  const server: Server = tls
    ? createHttpsServer(
        {
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          requestCert: true,
          rejectUnauthorized: true,
          minVersion: "TLSv1.3",
        },
        onRequest,
      )
    : createServer(onRequest);
  // Membership changes wait up to 60 s for a learner to catch up.
  server.requestTimeout = 70_000;
  server.on("tlsClientError", (error: Error, socket: { remoteAddress?: string }) =>
    options.logger.warn(
      { remote: socket.remoteAddress, reason: error.message },
      "refused a connection to the internal endpoints (no valid cluster certificate)",
    ),
  );
  const scheme = tls ? "https" : "http";
  const bound = await listenOn(server, options.port ?? 0, options.host, scheme);
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return { server, url: `${scheme}://${host}:${new URL(bound).port}` };
}

/** Listens on `port` and `host`; resolves with the listener's base URL (its bound address). */
export async function listenOn(
  server: Server,
  port: number,
  host: string,
  scheme: "http" | "https",
): Promise<string> {
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `${scheme}://${shown}:${address.port}`;
}

/** The node id (common name) of the client certificate a mutual-TLS request came with; `""` when none. */
function peerNodeId(request: IncomingMessage): string {
  const cn = (request.socket as TLSSocket).getPeerCertificate?.()?.subject?.CN as unknown;
  return typeof cn === "string" ? cn : "";
}
