import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { INVALID_TERMS } from "./__tests__/invalidTerms.js";
import { decodeBinaryMessage, encodeBinaryMessage } from "./binaryMessageCodec.js";
import { decodeMessage, encodeMessage } from "./messageCodec.js";
import { frame } from "./tcpFrames.js";
import { type Entry, type Message, MessageTypes } from "./types.js";

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const entry = (index: number, size = 60, type: 0 | 1 = 0): Entry => ({
  index,
  term: 7,
  type,
  data: bytes(size, index),
});
/** Every field a message can carry, on one message (the codec does not tie fields to types). */
const everything = (type: Message["type"]): Message => ({
  type,
  from: "node-a",
  to: "node-b",
  term: 7,
  logTerm: 6,
  index: 41,
  commit: 40,
  reject: true,
  rejectHint: 12,
  context: 3,
  tick: 1234,
  force: false,
  offset: 65_536,
  done: true,
  entries: [entry(42), entry(43, 0, 1), entry(44, 300)],
  snapshot: {
    index: 9,
    term: 4,
    conf: { voters: ["node-a", "node-b"], learners: ["node-c"] },
    terms: [
      [1, 1],
      [8, 4],
    ],
  },
  chunk: bytes(1000),
});
/** A lone write's AppendEntries. */
const appendEntries = (data = bytes(60, 1207)): Message => ({
  type: "app",
  from: "n1",
  to: "n2",
  term: 3,
  logTerm: 3,
  index: 1206,
  commit: 1206,
  entries: [{ index: 1207, term: 3, type: 0, data }],
});
const samples: Message[] = [
  ...MessageTypes.map(everything),
  ...MessageTypes.map((type): Message => ({ type, from: "a", to: "b", term: 0 })),
  appendEntries(),
  { type: "appResp", from: "n2", to: "n1", term: 3, index: 1207 },
  { type: "heartbeat", from: "n1", to: "n2", term: 3, commit: 1207, context: 5, tick: 99 },
  { type: "app", from: "a", to: "b", term: 1, entries: [] },
  { type: "snap", from: "a", to: "b", term: 1, chunk: new Uint8Array(0), done: false },
];

const roundTrip = (m: Message) => decodeBinaryMessage(encodeBinaryMessage(m));
/** Decodes `input`: either a malformed-message error, or a message that encodes back to the same message. */
const MALFORMED = "malformed raft message: ";
/** Why the decoder refuses `input`, or `undefined` when it decodes it. */
const refusal = (input: Uint8Array): string | undefined => {
  try {
    decodeBinaryMessage(input);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

describe("amstaff-raft/2 message codec", () => {
  it("round-trips every message type with every field, and with none", () => {
    for (const m of samples) expect(roundTrip(m)).toEqual(m);
  });

  it("reads back exactly what v1 reads back", () => {
    for (const m of samples) expect(roundTrip(m)).toEqual(decodeMessage(encodeMessage(m)));
  });

  it("writes the format byte for byte (a message's number is its place in MessageTypes)", () => {
    const golden: [Message, string][] = [
      [appendEntries(Buffer.from("hi")), "04 0407 00 026e31 026e32 03 03 b609 b609 01 b709 03 00 02 6869"],
      [
        { type: "appResp", from: "n2", to: "n1", term: 3, index: 1207, reject: true, rejectHint: 5 },
        "05 008a 01 026e32 026e31 03 b709 05",
      ],
      [
        { type: "vote", from: "a", to: "b", term: 2, logTerm: 1, index: 5, force: true },
        "02 0103 02 0161 0162 02 01 05",
      ],
      [
        { type: "heartbeat", from: "n1", to: "n2", term: 3, commit: 1207, tick: 99 },
        "06 0024 00 026e31 026e32 03 b709 63",
      ],
      [{ type: "timeoutNow", from: "a", to: "b", term: 1 }, "0a 0000 00 0161 0162 01"],
    ];
    for (const [m, hex] of golden) {
      expect(encodeBinaryMessage(m).toString("hex")).toBe(hex.replaceAll(" ", ""));
      expect(decodeBinaryMessage(Buffer.from(hex.replaceAll(" ", ""), "hex"))).toEqual({
        ...m,
        entries: m.entries?.map((e) => ({ ...e, data: new Uint8Array(e.data) })),
      });
    }
  });

  it("keeps false booleans apart from absent ones", () => {
    const m: Message = { type: "vote", from: "a", to: "b", term: 1, force: false, reject: false };
    const back = roundTrip(m);
    expect(back).toStrictEqual(m);
    expect("done" in back).toBe(false);
  });

  it("round-trips numbers at every LEB128 width up to the largest safe integer", () => {
    const widths = [0, 1, 127, 128, 16_383, 16_384, 2 ** 21 - 1, 2 ** 21, 2 ** 28, 2 ** 32 + 5, 2 ** 49];
    for (const n of [...widths, Number.MAX_SAFE_INTEGER]) {
      const m: Message = {
        type: "app",
        from: "a",
        to: "b",
        term: n,
        index: n,
        commit: n,
        entries: [entry(n)],
      };
      expect(roundTrip(m)).toEqual(m);
    }
  });

  it("refuses to encode what it could not decode", () => {
    for (const term of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => encodeBinaryMessage({ type: "app", from: "a", to: "b", term })).toThrow(/cannot encode/);
    }
    expect(() => encodeBinaryMessage({ type: "app", from: "a\ud800", to: "b", term: 1 })).toThrow(
      /well-formed/,
    );
  });

  it("round-trips ids in any script, up to the longest allowed", () => {
    for (const from of ["nœud-é", "узел", "节点-1", "🦀", "x".repeat(256), "é".repeat(256)]) {
      const m: Message = { type: "heartbeat", from, to: from, term: 1 };
      expect(roundTrip(m)).toEqual(m);
    }
  });

  it("frames as the transport sends it", () => {
    for (const m of samples) expect(encodeBinaryMessage(m, true)).toEqual(frame(encodeBinaryMessage(m)));
  });

  it("is smaller than v1 for the messages of a write", () => {
    for (const m of samples.slice(-5, -2))
      expect(encodeBinaryMessage(m).length).toBeLessThan(encodeMessage(m).length / 2);
  });
});

describe("amstaff-raft/2 decoder on malformed input", () => {
  // Thousands of cases: each checked in the loop and reported together, so one expect() does not run per
  // case (that made this test take seconds on a loaded machine).
  it("rejects a frame cut at any byte", () => {
    const problems: string[] = [];
    for (const m of samples) {
      const full = encodeBinaryMessage(m);
      for (let cut = 0; cut < full.length; cut++) {
        const why = refusal(full.subarray(0, cut));
        if (!why?.startsWith(MALFORMED)) problems.push(`${m.type} cut at ${cut}: ${why ?? "decoded"}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("rejects trailing bytes", () => {
    for (const m of samples) {
      const full = encodeBinaryMessage(m);
      for (const extra of [[0], [1, 2, 3]])
        expect(() => decodeBinaryMessage(Buffer.concat([full, Buffer.from(extra)]))).toThrow(/trailing/);
    }
  });

  it("never fails otherwise than as malformed, whatever byte is changed", () => {
    const problems: string[] = [];
    for (const m of [appendEntries(), everything("snap"), samples.at(-3)!]) {
      const full = encodeBinaryMessage(m);
      let accepted = 0;
      for (let at = 0; at < full.length; at++) {
        for (const value of [0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, full[at]! ^ 0x40]) {
          const changed = Buffer.from(full);
          changed[at] = value;
          let decoded: Message;
          try {
            decoded = decodeBinaryMessage(changed);
          } catch (error) {
            const why = (error as Error).message;
            if (!why.startsWith(MALFORMED)) problems.push(`${m.type}, byte ${at} = ${value}: ${why}`);
            continue;
          }
          accepted++;
          // What decodes is a message the encoder writes back byte for byte.
          if (!isDeepStrictEqual(roundTrip(decoded), decoded))
            problems.push(`${m.type}, byte ${at} = ${value}: decodes to a message that does not round-trip`);
        }
      }
      expect(accepted, m.type).toBeGreaterThan(0); // changed payload bytes and numbers still decode
    }
    expect(problems).toEqual([]);
  });

  /** A frame by hand: the 4 header bytes, then the parts. */
  const raw = (type: number, fields: number, flags: number, ...parts: (number[] | Buffer)[]) =>
    Buffer.concat([
      Buffer.from([type, fields >> 8, fields & 0xff, flags]),
      ...parts.map((p) => Buffer.from(p)),
    ]);
  const ab = [1, 0x61, 1, 0x62]; // from "a", to "b"
  const longId = (n: number) => [Buffer.from([0x80 | (n & 0x7f), n >> 7]), Buffer.alloc(n, 0x61)];
  const [E, S, C] = [1 << 10, 1 << 11, 1 << 12]; // entries, snapshot, chunk
  const malformed: [string, Buffer, RegExp][] = [
    ["a type beyond the table", raw(11, 0, 0, ab, [1]), /unknown type/],
    ["type 255", raw(255, 0, 0, ab, [1]), /unknown type/],
    ["an unknown field bit", raw(0, 1 << 13, 0, ab, [1]), /unknown fields/],
    ["a flag of an absent boolean", raw(0, 0, 1, ab, [1]), /flags/],
    ["a flag bit beyond the booleans", raw(0, 1 << 7, 8, ab, [1]), /flags/],
    ["an empty id", raw(0, 0, 0, [0, 1, 0x62, 1]), /node id/],
    ["an id longer than 768 bytes", raw(0, 0, 0, ...longId(769), [1, 0x62, 1]), /from too long/],
    ["an id of 257 characters", raw(0, 0, 0, ...longId(257), [1, 0x62, 1]), /node id/],
    ["an id that is not UTF-8", raw(0, 0, 0, [1, 0xff, 1, 0x62, 1]), /not UTF-8/],
    ["an id length past the end", raw(0, 0, 0, [100, 0x61]), /past the end/],
    ["a number of 9 bytes", raw(0, 0, 0, ab, Buffer.alloc(8, 0xff), [1]), /longer than 8 bytes/],
    [
      "a number past 2^53",
      raw(0, 0, 0, ab, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
      /safe integer/,
    ],
    ["an overlong number", raw(0, 0, 0, ab, [0x81, 0x00]), /minimally encoded/],
    [
      "an entry count beyond what the frame can hold",
      raw(4, E, 0, ab, [1, 100, 1, 1, 0, 0]),
      /entry count beyond/,
    ],
    ["an entry length past the end", raw(4, E, 0, ab, [1, 1, 1, 1, 0, 9, 1]), /past the end/],
    ["an entry type of 2", raw(4, E, 0, ab, [1, 1, 1, 1, 2, 0]), /entry type/],
    ["snapshot metadata that is not JSON", raw(8, S, 0, ab, [1, 2, 0x7b, 0x7b]), /not JSON/],
    ["a chunk length past the end", raw(8, C, 0, ab, [1, 0xff, 0x7f]), /past the end/],
  ];
  it.each(malformed)("rejects %s", (_, input, why) => {
    expect(() => decodeBinaryMessage(input)).toThrow(why);
  });

  it("validates a snapshot's metadata as v1 does", () => {
    const snap = (terms: unknown) =>
      ({
        ...everything("snap"),
        snapshot: { index: 9, term: 4, conf: { voters: ["a"], learners: [] }, terms },
      }) as Message;
    for (const terms of INVALID_TERMS) {
      expect(() => decodeBinaryMessage(encodeBinaryMessage(snap(terms)))).toThrow(/malformed/);
    }
  });
});
