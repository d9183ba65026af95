import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: bound by the system, then released. For a server a
 * test starts later on a port it must know first.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A TCP port on 127.0.0.1 nothing listens on, so a connection to it is refused: for the "cannot connect"
 * case of a sampler or handler.
 */
export async function closedPort(): Promise<number> {
  return freePort();
}
