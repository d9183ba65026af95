/** Splits a byte stream into length-prefixed frames (a 4-byte big-endian length), enforcing a maximum size. */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);
  readonly max: () => number;
  readonly onFrame: (frame: Buffer) => void;
  constructor(max: () => number, onFrame: (frame: Buffer) => void) {
    this.max = max;
    this.onFrame = onFrame;
  }
  push(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    while (this.#buf.length >= 4) {
      const len = this.#buf.readUInt32BE(0);
      if (len > this.max()) throw new Error(`frame of ${len} bytes exceeds the limit of ${this.max()}`);
      if (this.#buf.length < 4 + len) return;
      const frame = this.#buf.subarray(4, 4 + len);
      this.#buf = this.#buf.subarray(4 + len);
      this.onFrame(frame);
    }
  }
}

/** `payload` behind its 4-byte big-endian length, as {@link FrameReader} reads it. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

/** A frame holding `v` as JSON (the handshake's frames). */
export function jsonFrame(v: unknown): Buffer {
  return frame(Buffer.from(JSON.stringify(v)));
}
