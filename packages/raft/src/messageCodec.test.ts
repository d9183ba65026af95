import { describe, expect, it } from "vitest";
import { INVALID_TERMS } from "./__tests__/invalidTerms.js";
import { decodeMessage, encodeMessage } from "./messageCodec.js";
import type { Message } from "./types.js";

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
    for (const terms of INVALID_TERMS) {
      expect(() => decodeMessage(encodeMessage(snap(terms)))).toThrow(/malformed/);
    }
  });
});
