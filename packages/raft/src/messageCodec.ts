import { bad, id, snapshotMeta, uint } from "./messageChecks.js";
import { type Entry, type Message, type MessageType, MessageTypes } from "./types.js";

const decoder = new TextDecoder("utf-8", { fatal: true });
const TYPES = new Set<string>(MessageTypes);

/**
 * Encodes a message as `amstaff-raft/1` frames it: a 4-byte header length, a JSON header (entries as
 * [index, term, type, byteLength]) and then the raw entry/chunk bytes, so payloads are never base64-ed.
 * With `framed`, behind the 4-byte length of the whole (a frame as `FrameReader` reads it), so the transport
 * does not copy it into one.
 */
export function encodeMessage(m: Message, framed = false): Buffer {
  let header: Message | Record<string, unknown> = m;
  let blobs: Uint8Array[] | undefined;
  if (m.entries || m.chunk) {
    const replaced: Record<string, unknown> = { ...m };
    const bs: Uint8Array[] = [];
    if (m.entries) {
      replaced.entries = m.entries.map((e) => {
        bs.push(e.data);
        return [e.index, e.term, e.type, e.data.length];
      });
    }
    if (m.chunk) {
      replaced.chunk = m.chunk.length;
      bs.push(m.chunk);
    }
    header = replaced;
    blobs = bs;
  }
  // Written straight into the frame: no intermediate UTF-8 copy of the header.
  const json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json);
  const start = framed ? 4 : 0;
  let total = start + 4 + jsonBytes;
  for (const b of blobs ?? []) total += b.length;
  const out = Buffer.allocUnsafe(total);
  if (framed) out.writeUInt32BE(total - 4, 0);
  out.writeUInt32BE(jsonBytes, start);
  out.write(json, start + 4);
  let off = start + 4 + jsonBytes;
  for (const b of blobs ?? []) {
    out.set(b, off);
    off += b.length;
  }
  return out;
}

function optUint(h: Record<string, unknown>, name: string): void {
  if (h[name] !== undefined) uint(h[name], name);
}

/** Decodes and validates a wire message; throws on anything malformed or hostile. */
export function decodeMessage(buf: Uint8Array): Message {
  if (buf.length < 4) bad("short frame");
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hlen = view.getUint32(0);
  if (hlen > buf.length - 4) bad("header length beyond frame");
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(decoder.decode(buf.subarray(4, 4 + hlen))) as Record<string, unknown>;
  } catch {
    bad("header is not JSON");
  }
  if (typeof h !== "object" || h === null || Array.isArray(h)) bad("header is not an object");
  if (typeof h.type !== "string" || !TYPES.has(h.type)) bad("unknown type");
  const m: Message = {
    type: h.type as MessageType,
    from: id(h.from, "from"),
    to: id(h.to, "to"),
    term: uint(h.term, "term"),
  };
  for (const k of ["logTerm", "index", "commit", "rejectHint", "context", "tick", "offset"] as const) {
    optUint(h, k);
    if (h[k] !== undefined) m[k] = h[k] as number;
  }
  for (const k of ["reject", "force", "done"] as const) {
    if (h[k] !== undefined) {
      if (typeof h[k] !== "boolean") bad(`${k} must be a boolean`);
      m[k] = h[k] as boolean;
    }
  }
  let off = 4 + hlen;
  const take = (n: number): Uint8Array => {
    if (off + n > buf.length) bad("payload shorter than declared");
    const out = new Uint8Array(buf.subarray(off, off + n));
    off += n;
    return out;
  };
  if (h.entries !== undefined) {
    if (!Array.isArray(h.entries)) bad("entries must be a list");
    const entries: Entry[] = [];
    for (const raw of h.entries as unknown[]) {
      if (!Array.isArray(raw) || raw.length !== 4) bad("entry must be [index, term, type, length]");
      const type = uint(raw[2], "entry type");
      if (type !== 0 && type !== 1) bad("entry type");
      entries.push({
        index: uint(raw[0], "entry index"),
        term: uint(raw[1], "entry term"),
        type,
        data: take(uint(raw[3], "entry length")),
      });
    }
    m.entries = entries;
  }
  if (h.snapshot !== undefined) m.snapshot = snapshotMeta(h.snapshot);
  if (h.chunk !== undefined) m.chunk = take(uint(h.chunk, "chunk"));
  if (off !== buf.length) bad("trailing bytes");
  return m;
}
