import type { Readable } from "node:stream";
import type { ReadBody } from "./bodyExpectation.js";

const noBody = Buffer.alloc(0);

/**
 * Reads a response body up to `maxBodyBytes`, keeping its bytes only when `keep`. Through the stream's
 * events rather than `for await`: its async iterator allocates an async generator, an end-of-stream watcher
 * and a promise per chunk, about 3 KB per probe (`bench memory/probeAllocations.ts`).
 */
export function readBody(
  stream: Readable,
  maxBodyBytes: number,
  keep: boolean,
): Promise<ReadBody & { bytes: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let truncated = false;
    let settled = false;
    // The error listener stays: an error emitted after the body was read must not go unhandled.
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("close", onClose);
      if (error !== undefined) reject(error);
      else resolve({ raw: keep ? Buffer.concat(chunks) : noBody, truncated, maxBodyBytes, bytes });
    };
    const onData = (chunk: Buffer) => {
      const room = maxBodyBytes - bytes;
      if (chunk.length > room) {
        if (keep) chunks.push(chunk.subarray(0, room));
        bytes += room;
        truncated = true;
        finish();
        // The rest of a large body is never downloaded.
        stream.destroy();
        return;
      }
      if (keep) chunks.push(chunk);
      bytes += chunk.length;
    };
    const onEnd = () => finish();
    const onError = (error: unknown) => finish(error);
    const onClose = () => finish(new Error("the response body ended early"));
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
}
