import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { connect, createServer, type Socket } from "node:net";
import { decodeMessage, encodeMessage } from "../messageCodec.js";
import { FrameReader, jsonFrame } from "../tcpFrames.js";
import type { Message, NodeId } from "../types.js";

// A node of the release before amstaff-raft/2, written out by hand: its hello lists no protocols, every MAC is
// over "amstaff-raft/1", and its frames are JSON headers (messageCodec.ts, unchanged since).
const mac = (secret: string, ...parts: string[]) =>
  createHmac("sha256", secret).update(parts.join("|")).digest();
const same = (hex: unknown, want: Buffer) => {
  const got = typeof hex === "string" ? Buffer.from(hex, "hex") : Buffer.alloc(0);
  return got.length === want.length && timingSafeEqual(got, want);
};

/** An old node's listener: what it received, and why it closed connections. */
export async function legacyListener(id: NodeId, secret: string) {
  const got: Message[] = [];
  const rejected: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const serverNonce = randomBytes(16).toString("hex");
    let peer: NodeId | null = null;
    const reader = new FrameReader(
      () => 1 << 20,
      (f) => {
        if (peer !== null) {
          got.push(decodeMessage(f));
          return;
        }
        const hello = JSON.parse(f.toString("utf8")) as Record<string, unknown>;
        const { from, nonce } = hello as { from: string; nonce: string };
        if (hello.t !== "hello" || typeof from !== "string" || typeof nonce !== "string" || hello.to !== id)
          throw new Error("bad hello");
        if (!same(hello.mac, mac(secret, "amstaff-raft/1", "hello", from, id, serverNonce, nonce)))
          throw new Error("peer failed authentication");
        peer = from;
        const welcome = mac(secret, "amstaff-raft/1", "welcome", id, from, nonce, serverNonce);
        socket.write(jsonFrame({ t: "welcome", mac: welcome.toString("hex") }));
      },
    );
    socket.on("data", (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (error) {
        rejected.push((error as Error).message);
        socket.destroy();
      }
    });
    socket.on("error", () => socket.destroy());
    socket.write(jsonFrame({ t: "challenge", nonce: serverNonce }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return { address: { host: "127.0.0.1", port }, got, rejected, close };
}

/**
 * An old node dialling `to` at `port`: resolves once the listener's welcome verified and `messages` were
 * sent (as v1 frames), rejects with the reason the handshake failed.
 */
export function legacyDial(
  id: NodeId,
  secret: string,
  to: NodeId,
  port: number,
  messages: Message[],
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const clientNonce = randomBytes(16).toString("hex");
    let serverNonce: string | null = null;
    const reader = new FrameReader(
      () => 4096,
      (f) => {
        const msg = JSON.parse(f.toString("utf8")) as Record<string, unknown>;
        if (serverNonce === null) {
          serverNonce = String(msg.nonce);
          const hello = mac(secret, "amstaff-raft/1", "hello", id, to, serverNonce, clientNonce);
          socket.write(
            jsonFrame({ t: "hello", from: id, to, nonce: clientNonce, mac: hello.toString("hex") }),
          );
          return;
        }
        const want = mac(secret, "amstaff-raft/1", "welcome", to, id, clientNonce, serverNonce);
        if (msg.t !== "welcome" || !same(msg.mac, want)) throw new Error("peer failed authentication");
        for (const m of messages) socket.write(encodeMessage(m, true));
        resolve(socket);
      },
    );
    socket.on("data", (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (error) {
        socket.destroy();
        reject(error);
      }
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error("connection closed during the handshake")));
  });
}
