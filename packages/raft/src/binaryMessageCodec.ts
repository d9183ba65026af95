import { bad, MAX_ID, snapshotMeta } from "./messageChecks.js";
import { type Entry, type Message, type MessageType, MessageTypes } from "./types.js";

// A message's number on the wire is its place in MessageTypes: that list is append only from now on
// (binaryMessageCodec.test.ts pins the numbers with frames written out byte by byte).
const WIRE_TYPES: readonly MessageType[] = MessageTypes;
const TYPE_NUMBER = Object.fromEntries(WIRE_TYPES.map((t, i) => [t, i])) as Record<MessageType, number>;

// Presence bits of the optional fields, written and read in this order. The encoder and decoder spell each
// field out instead of looping over a list of names: the loop (keyed loads and stores) made an AppendEntries'
// encode ~75 % and its decode ~20 % slower in `bench raft:codec`.
const LOG_TERM = 1 << 0;
const INDEX = 1 << 1;
const COMMIT = 1 << 2;
const REJECT_HINT = 1 << 3;
const CONTEXT = 1 << 4;
const TICK = 1 << 5;
const OFFSET = 1 << 6;
const REJECT = 1 << 7;
const FORCE = 1 << 8;
const DONE = 1 << 9;
const ENTRIES = 1 << 10;
const SNAPSHOT = 1 << 11;
const CHUNK = 1 << 12;
const KNOWN_FIELDS = (1 << 13) - 1;
// Values of the booleans, in the flags byte.
const REJECT_TRUE = 1;
const FORCE_TRUE = 2;
const DONE_TRUE = 4;
const HEADER = 4; // type, fields (2 bytes), flags
const MAX_ID_BYTES = 3 * MAX_ID; // a UTF-16 code unit is at most 3 bytes of UTF-8
// 8 LEB128 bytes hold 56 bits, enough for any safe integer; a ninth is malformed.
const MAX_UINT_BYTES = 8;

const utf8 = new TextDecoder("utf-8", { fatal: true });

function uintSize(v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`cannot encode ${v}: not a non-negative integer`);
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  let n = 4;
  for (let x = Math.floor(v / 0x10000000); x > 0; x = Math.floor(x / 0x80)) n++;
  return n;
}

function putUint(out: Uint8Array, off: number, v: number): number {
  // Past 2^31 bit operations would wrap: divide until the rest fits them.
  while (v > 0x7fffffff) {
    out[off++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  while (v >= 0x80) {
    out[off++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[off++] = v;
  return off;
}

/** Node ids are short and almost always ASCII: written char by char, else through Buffer's UTF-8 writer. */
function idSize(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) < 0x80) continue;
    // UTF-8 cannot carry a lone surrogate: it would arrive as another id.
    if (!s.isWellFormed())
      throw new Error(`cannot encode the id ${JSON.stringify(s)}: not well-formed UTF-16`);
    return Buffer.byteLength(s);
  }
  return s.length;
}

function putId(out: Buffer, off: number, s: string, bytes: number): number {
  off = putUint(out, off, bytes);
  if (bytes === s.length) {
    for (let i = 0; i < bytes; i++) out[off + i] = s.charCodeAt(i);
    return off + bytes;
  }
  return off + out.write(s, off);
}

/**
 * Encodes a message as `amstaff-raft/2` frames it: the message's type (1 byte), which optional fields
 * follow (2 bytes), the values of its booleans (1 byte), `from` and `to` (a LEB128 byte length, then
 * UTF-8), the term and the optional numbers (LEB128 each); then per entry its index, term (LEB128), type
 * (1 byte) and byte length (LEB128) and its bytes; the snapshot's metadata as length-prefixed JSON (rare);
 * the chunk's length and bytes. With `framed`, behind the 4-byte length of the whole.
 */
export function encodeBinaryMessage(m: Message, framed = false): Buffer {
  const { logTerm, index, commit, rejectHint, context, tick, offset, reject, force, done } = m;
  const { entries, snapshot, chunk } = m;
  const fromBytes = idSize(m.from);
  const toBytes = idSize(m.to);
  let size = HEADER + uintSize(fromBytes) + fromBytes + uintSize(toBytes) + toBytes + uintSize(m.term);
  let fields = 0;
  let flags = 0;
  if (logTerm !== undefined) {
    fields |= LOG_TERM;
    size += uintSize(logTerm);
  }
  if (index !== undefined) {
    fields |= INDEX;
    size += uintSize(index);
  }
  if (commit !== undefined) {
    fields |= COMMIT;
    size += uintSize(commit);
  }
  if (rejectHint !== undefined) {
    fields |= REJECT_HINT;
    size += uintSize(rejectHint);
  }
  if (context !== undefined) {
    fields |= CONTEXT;
    size += uintSize(context);
  }
  if (tick !== undefined) {
    fields |= TICK;
    size += uintSize(tick);
  }
  if (offset !== undefined) {
    fields |= OFFSET;
    size += uintSize(offset);
  }
  if (reject !== undefined) {
    fields |= REJECT;
    flags |= reject ? REJECT_TRUE : 0;
  }
  if (force !== undefined) {
    fields |= FORCE;
    flags |= force ? FORCE_TRUE : 0;
  }
  if (done !== undefined) {
    fields |= DONE;
    flags |= done ? DONE_TRUE : 0;
  }
  if (entries !== undefined) {
    fields |= ENTRIES;
    size += uintSize(entries.length);
    for (const e of entries)
      size += uintSize(e.index) + uintSize(e.term) + 1 + uintSize(e.data.length) + e.data.length;
  }
  let meta: Buffer | undefined;
  if (snapshot !== undefined) {
    fields |= SNAPSHOT;
    meta = Buffer.from(JSON.stringify(snapshot));
    size += uintSize(meta.length) + meta.length;
  }
  if (chunk !== undefined) {
    fields |= CHUNK;
    size += uintSize(chunk.length) + chunk.length;
  }

  const start = framed ? 4 : 0;
  const out = Buffer.allocUnsafe(start + size);
  if (framed) out.writeUInt32BE(size, 0);
  out[start] = TYPE_NUMBER[m.type];
  out[start + 1] = fields >>> 8;
  out[start + 2] = fields & 0xff;
  out[start + 3] = flags;
  let off = putId(out, start + HEADER, m.from, fromBytes);
  off = putId(out, off, m.to, toBytes);
  off = putUint(out, off, m.term);
  if (logTerm !== undefined) off = putUint(out, off, logTerm);
  if (index !== undefined) off = putUint(out, off, index);
  if (commit !== undefined) off = putUint(out, off, commit);
  if (rejectHint !== undefined) off = putUint(out, off, rejectHint);
  if (context !== undefined) off = putUint(out, off, context);
  if (tick !== undefined) off = putUint(out, off, tick);
  if (offset !== undefined) off = putUint(out, off, offset);
  if (entries !== undefined) {
    off = putUint(out, off, entries.length);
    for (const e of entries) {
      off = putUint(out, off, e.index);
      off = putUint(out, off, e.term);
      out[off++] = e.type;
      off = putUint(out, off, e.data.length);
      out.set(e.data, off);
      off += e.data.length;
    }
  }
  if (meta !== undefined) {
    off = putUint(out, off, meta.length);
    out.set(meta, off);
    off += meta.length;
  }
  if (chunk !== undefined) {
    off = putUint(out, off, chunk.length);
    out.set(chunk, off);
  }
  return out;
}

// The decoder's cursor: decoding is synchronous, so one module-level cursor serves every call.
const EMPTY = new Uint8Array(0);
let buf: Uint8Array = EMPTY;
let pos = 0;

function readUint(name: string): number {
  if (pos < buf.length && buf[pos]! < 0x80) return buf[pos++]!;
  let v = 0;
  let scale = 1;
  for (let i = 0; i < MAX_UINT_BYTES; i++) {
    if (pos >= buf.length) bad(`${name} cut short`);
    const b = buf[pos++]!;
    v += (b & 0x7f) * scale;
    if (b < 0x80) {
      // A last byte of 0 after others is an overlong encoding: one value, one encoding.
      if (b === 0 && i > 0) bad(`${name} is not minimally encoded`);
      if (v > Number.MAX_SAFE_INTEGER) bad(`${name} must be a safe integer`);
      return v;
    }
    scale *= 0x80;
  }
  bad(`${name} is longer than ${MAX_UINT_BYTES} bytes`);
}

function readLength(name: string, max = buf.length - pos): number {
  const n = readUint(name);
  if (n > buf.length - pos) bad(`${name} runs past the end of the frame`);
  if (n > max) bad(`${name} too long`);
  return n;
}

function readId(name: string): string {
  const n = readLength(name, MAX_ID_BYTES);
  let s = "";
  for (let i = pos; i < pos + n; i++) {
    const c = buf[i]!;
    if (c >= 0x80) {
      s = decodeUtf8(buf.subarray(pos, pos + n), name);
      break;
    }
    s += String.fromCharCode(c);
  }
  pos += n;
  if (s.length === 0 || s.length > MAX_ID) bad(`${name} must be a node id`);
  return s;
}

function decodeUtf8(bytes: Uint8Array, name: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    bad(`${name} is not UTF-8`);
  }
}

function readBytes(name: string): Uint8Array {
  const n = readLength(name);
  // A copy: the log keeps entries, which must not pin the socket's whole read buffer.
  const out = new Uint8Array(n);
  out.set(new Uint8Array(buf.buffer, buf.byteOffset + pos, n));
  pos += n;
  return out;
}

function readEntries(): Entry[] {
  // Each entry takes at least 4 bytes: a count beyond that is a lie, whatever its entries would hold.
  const count = readUint("entry count");
  if (count > (buf.length - pos) / 4) bad("entry count beyond what the frame holds");
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const index = readUint("entry index");
    const term = readUint("entry term");
    if (pos >= buf.length) bad("entry type cut short");
    const type = buf[pos++]!;
    if (type !== 0 && type !== 1) bad("entry type");
    entries.push({ index, term, type, data: readBytes("entry length") });
  }
  return entries;
}

/** Decodes and validates an `amstaff-raft/2` message; throws on anything malformed or hostile. */
export function decodeBinaryMessage(frame: Uint8Array): Message {
  if (frame.length < HEADER) bad("short frame");
  const type = WIRE_TYPES[frame[0]!];
  if (type === undefined) bad("unknown type");
  const fields = (frame[1]! << 8) | frame[2]!;
  if ((fields & ~KNOWN_FIELDS) !== 0) bad("unknown fields");
  const flags = frame[3]!;
  const allowed =
    (fields & REJECT ? REJECT_TRUE : 0) | (fields & FORCE ? FORCE_TRUE : 0) | (fields & DONE ? DONE_TRUE : 0);
  if ((flags & ~allowed) !== 0) bad("flags of absent fields");
  buf = frame;
  pos = HEADER;
  try {
    const m: Message = { type, from: readId("from"), to: readId("to"), term: readUint("term") };
    if (fields & LOG_TERM) m.logTerm = readUint("logTerm");
    if (fields & INDEX) m.index = readUint("index");
    if (fields & COMMIT) m.commit = readUint("commit");
    if (fields & REJECT_HINT) m.rejectHint = readUint("rejectHint");
    if (fields & CONTEXT) m.context = readUint("context");
    if (fields & TICK) m.tick = readUint("tick");
    if (fields & OFFSET) m.offset = readUint("offset");
    if (fields & REJECT) m.reject = (flags & REJECT_TRUE) !== 0;
    if (fields & FORCE) m.force = (flags & FORCE_TRUE) !== 0;
    if (fields & DONE) m.done = (flags & DONE_TRUE) !== 0;
    if (fields & ENTRIES) m.entries = readEntries();
    if (fields & SNAPSHOT) {
      const n = readLength("snapshot metadata");
      const json = decodeUtf8(buf.subarray(pos, pos + n), "snapshot metadata");
      pos += n;
      let raw: unknown;
      try {
        raw = JSON.parse(json);
      } catch {
        bad("snapshot metadata is not JSON");
      }
      m.snapshot = snapshotMeta(raw);
    }
    if (fields & CHUNK) m.chunk = readBytes("chunk");
    if (pos !== buf.length) bad("trailing bytes");
    return m;
  } finally {
    buf = EMPTY;
  }
}
