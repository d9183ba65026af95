import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage } from "./messageCodec.js";
import { FrameReader, frame } from "./tcpFrames.js";
import { MAX_TERM_BOUNDARIES, type Message } from "./types.js";

const snap = (terms: unknown): Message =>
  ({
    type: "snap",
    from: "a",
    to: "b",
    term: 4,
    index: 9,
    offset: 0,
    done: true,
    chunk: new Uint8Array([1, 2, 3]),
    snapshot: { index: 9, term: 4, conf: { voters: ["a", "b"], learners: [] }, terms },
  }) as Message;

describe("message codec: a snapshot's term boundaries", () => {
  it("round-trip", () => {
    const m = snap([
      [1, 1],
      [4, 3],
      [8, 4],
    ]);
    expect(decodeMessage(encodeMessage(m))).toEqual(m);
  });

  it("are rejected when malformed, out of order, beyond the snapshot or too many", () => {
    for (const terms of [
      "x",
      [[1]],
      [[1, -1]],
      [
        [4, 3],
        [2, 2],
      ],
      [[10, 4]],
      Array.from({ length: MAX_TERM_BOUNDARIES + 1 }, (_, i) => [i, i]),
    ]) {
      expect(() => decodeMessage(encodeMessage(snap(terms)))).toThrow(/malformed/);
    }
  });
});

describe("message codec: framed", () => {
  it("is the frame the transport would have made, and reads back through a FrameReader", () => {
    const app: Message = {
      type: "app",
      from: "a",
      to: "b",
      term: 3,
      logTerm: 3,
      index: 7,
      commit: 6,
      entries: [{ index: 8, term: 3, type: 0, data: new Uint8Array([5, 6, 7]) }],
    };
    const messages = [app, { type: "appResp", from: "b", to: "a", term: 3, index: 8 } as Message, snap([])];
    const read: Message[] = [];
    const reader = new FrameReader(
      () => 1 << 20,
      (f) => read.push(decodeMessage(f)),
    );
    for (const m of messages) {
      expect(encodeMessage(m, true)).toEqual(frame(encodeMessage(m)));
      reader.push(encodeMessage(m, true));
    }
    expect(read).toEqual(messages);
  });
});
