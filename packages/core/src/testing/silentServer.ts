import { createServer, type Socket } from "node:net";

/** A TCP server that accepts connections and never says a word. */
export interface SilentServer {
  /** The loopback port it listens on. */
  port: number;
  /** Drops every connection and stops listening; closing twice is harmless. */
  close(): Promise<void>;
}

/**
 * Starts a TCP server on a free loopback port that accepts every connection and never answers: an HTTP
 * API, an SMTP server or a database that hangs. For the "gives up when aborted or timed out" case of a
 * handler or sampler (a `hangingTarget` of the conformance suites).
 *
 * @example
 * ```ts
 * const silent = await startSilentServer();
 * try {
 *   const pending = handler.notify(sampleTransition(), notifyContext("pager", { signal }));
 * } finally {
 *   await silent.close();
 * }
 * ```
 */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    // The client giving up resets the connection: expected here, not a failure of the test.
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  let closed: Promise<void> | undefined;
  return {
    port,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
