import { AmstaffError } from "@amstaff/core";
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { invalidInput } from "./contract.js";

/** Options of {@link readJson}. */
export interface ReadJsonOptions {
  /** What an empty body stands for; absent: an empty body is refused as not JSON. */
  empty?: unknown;
  /** What to send instead, appended to the message of a refused body. */
  hint?: string;
  /** How the refusal names what was sent. @default "body" */
  what?: string;
}

/**
 * Reads a request's JSON body (whatever content type it was sent with) and validates it, or throws the
 * 400 `AMS_ERR_REQUEST_INVALID` that says what is wrong. The size limit was checked before (body limit).
 */
export async function readJson<T extends z.ZodType>(
  c: Context,
  schema: T,
  options: ReadJsonOptions = {},
): Promise<z.output<T>> {
  const text = await c.req.text();
  let json: unknown = options.empty;
  if (text.trim() !== "" || !("empty" in options)) {
    try {
      json = JSON.parse(text);
    } catch {
      throw new AmstaffError("AMS_ERR_REQUEST_INVALID", "The body is not JSON.");
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalidInput(options.what ?? "body", parsed.error, options.hint);
  return parsed.data;
}

/**
 * Reads a request's body up front, refusing it with `tooLarge()` (413) as soon as it is over `maxBytes`,
 * declared or streamed; the handler then reads it from Hono's body cache. Hono's own `bodyLimit`
 * rebuilds the request with `new Request(...)`, which fails on `@hono/node-server`'s lightweight
 * request unless the process' global `Request` is replaced, which the server does not do.
 *
 * A refused body is still read, and thrown away, up to another `maxBytes` before the answer goes out
 * (a "lingering close"): a client that is still sending when the server closes gets a broken pipe instead
 * of the 413 that says what is wrong. Past that the connection is closed.
 */
export function limitBody(maxBytes: number, tooLarge: () => Error): MiddlewareHandler {
  return async (c, next) => {
    const cached = c.req.bodyCache.arrayBuffer;
    if (cached) {
      if ((await cached).byteLength > maxBytes) throw tooLarge();
      return next();
    }
    const body = c.req.raw.body;
    if (!body) return next();
    const reader = body.getReader();
    const refuse = async (read: number) => {
      if (!(await discard(reader, 2 * maxBytes - read))) {
        // The rest of the body is not read: the client must not send its next request on this connection.
        c.header("connection", "close");
        await reader.cancel().catch(() => {});
      }
      return tooLarge();
    };
    if (Number(c.req.header("content-length") ?? 0) > maxBytes) throw await refuse(0);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      size += chunk.value.byteLength;
      if (size > maxBytes) throw await refuse(size);
      chunks.push(chunk.value);
    }
    const bytes = Buffer.concat(chunks);
    const read = Promise.resolve(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    );
    // Hono's body cache holds promises (its readers call `.then` on them), whatever its type says.
    c.req.bodyCache.arrayBuffer = read as unknown as ArrayBuffer;
    return next();
  };
}

/** Reads and drops what is left of a body, at most `budget` bytes; true when the body ended within it. */
async function discard(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number): Promise<boolean> {
  let left = budget;
  try {
    while (left >= 0) {
      const chunk = await reader.read();
      if (chunk.done) return true;
      left -= chunk.value.byteLength;
    }
  } catch {
    // The client went away mid-body: nothing is left to answer.
  }
  return false;
}
