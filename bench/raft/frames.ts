// Length-prefixed JSON frames (4-byte big-endian length, then UTF-8 JSON): the client protocol between the
// benchmark client and the Raft KV nodes of kvServer.ts. Deliberately minimal, like a gRPC unary call:
// one frame per request, one per response, many requests in flight on one connection (matched by id).
import type { Socket } from "node:net";

export function writeFrame(socket: Socket, message: unknown): void {
  const body = Buffer.from(JSON.stringify(message));
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(body.length, 0);
  socket.write(Buffer.concat([header, body]));
}

/** Calls `onFrame` with every complete JSON frame read from `socket`. */
export function readFrames(socket: Socket, onFrame: (message: unknown) => void, maxBytes = 1 << 20): void {
  let buffered = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const length = buffered.readUInt32BE(0);
      if (length > maxBytes) {
        socket.destroy();
        return;
      }
      if (buffered.length < 4 + length) break;
      const body = buffered.subarray(4, 4 + length);
      buffered = buffered.subarray(4 + length);
      onFrame(JSON.parse(body.toString("utf8")));
    }
  });
}
