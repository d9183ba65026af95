// What a Raft message costs to encode and decode on the wire, `amstaff-raft/1` (a JSON header, messageCodec.ts)
// against `amstaff-raft/2` (binary, binaryMessageCodec.ts): an AppendEntries with one ~60-byte entry (a lone
// write), its response, a heartbeat and its response. Single process, no network. Prints one markdown table:
// bytes on the wire (the 4-byte frame length included), ns per op hot (a tight loop of `--n` ops, best of
// `--rounds`: the machine is shared, the best round is the one least disturbed),
// and ns per op cold (p50 of single ops, each after a 1 ms sleep, as a follower of `bench raft` sees them:
// caches and branch predictors partly cold). Then the numbers' encoding alone, LEB128 against fixed
// 8-byte fields, for the six numbers of that AppendEntries. Runs the sources (no build needed):
//   npx -y pnpm@12.21.0 --filter @amstaff/bench run raft:codec [-- --n 30000 --rounds 15 --cold 400]
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import {
  decodeBinaryMessage,
  decodeMessage,
  encodeBinaryMessage,
  encodeMessage,
  type Message,
} from "../../packages/raft/src/index.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    n: { type: "string", default: "30000" },
    rounds: { type: "string", default: "15" },
    cold: { type: "string", default: "400" },
  },
});
const N = Number(values.n);
const ROUNDS = Number(values.rounds);
const COLD = Number(values.cold);

// A KvCommand as kvServer.ts proposes it, JSON-encoded: ~60 bytes.
const command = Buffer.from(JSON.stringify({ op: "put", key: "key-000123", value: "value-0000000000123" }));
const messages: [string, Message][] = [
  [
    "AppendEntries, one entry",
    {
      type: "app",
      from: "n1",
      to: "n2",
      term: 3,
      logTerm: 3,
      index: 120_406,
      commit: 120_406,
      entries: [{ index: 120_407, term: 3, type: 0, data: command }],
    },
  ],
  ["its response", { type: "appResp", from: "n2", to: "n1", term: 3, index: 120_407 }],
  ["heartbeat", { type: "heartbeat", from: "n1", to: "n2", term: 3, commit: 120_407, tick: 88_123 }],
  ["heartbeat response", { type: "heartbeatResp", from: "n2", to: "n1", term: 3, tick: 88_123 }],
];
const codecs = {
  v1: { encode: encodeMessage, decode: decodeMessage },
  v2: { encode: encodeBinaryMessage, decode: decodeBinaryMessage },
};

let sink = 0;
/** ns per call of `f` in a tight loop, best of ROUNDS. */
function hot(f: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) if (f()) sink++;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / N);
  }
  return best;
}
const pause = new Int32Array(new SharedArrayBuffer(4));
/** p50 in ns of single calls of `f`, each after a 1 ms sleep. */
function cold(f: () => unknown): number {
  const ns: number[] = [];
  for (let i = 0; i < COLD; i++) {
    Atomics.wait(pause, 0, 0, 1);
    const t0 = process.hrtime.bigint();
    if (f()) sink++;
    ns.push(Number(process.hrtime.bigint() - t0));
  }
  return ns.sort((a, b) => a - b)[ns.length >> 1]!;
}

const load = loadavg()[0]!.toFixed(1);
console.log(
  `node ${process.version}, load ${load}, hot: ${N} ops × best of ${ROUNDS}; cold: p50 of ${COLD} ops, each after a 1 ms sleep\n`,
);
console.log(
  "| message | bytes v1 / v2 | encode hot v1 / v2 (ns) | decode hot v1 / v2 (ns) | encode cold v1 / v2 (ns) | decode cold v1 / v2 (ns) |",
);
console.log("|---|---|---|---|---|---|");
for (const [name, m] of messages) {
  const row: Record<string, string[]> = { bytes: [], eh: [], dh: [], ec: [], dc: [] };
  for (const codec of [codecs.v1, codecs.v2]) {
    const frame = codec.encode(m, true);
    const body = frame.subarray(4);
    row.bytes!.push(String(frame.length));
    row.eh!.push(hot(() => codec.encode(m, true)).toFixed(0));
    row.dh!.push(hot(() => codec.decode(body)).toFixed(0));
  }
  // Cold runs after every hot run: the code is optimised, only caches and predictors are cold.
  for (const codec of [codecs.v1, codecs.v2]) {
    const body = codec.encode(m, true).subarray(4);
    row.ec!.push(String(cold(() => codec.encode(m, true))));
    row.dc!.push(String(cold(() => codec.decode(body))));
  }
  console.log(
    `| ${name} | ${Object.values(row)
      .map((v) => v.join(" / "))
      .join(" | ")} |`,
  );
}
// The floor of the cold column: a call that does nothing, timed the same way.
console.log(`| (an empty call) | | | | ${cold(() => 0)} | |`);

// The choice of number encoding alone: the six numbers of the AppendEntries above, each way written as the
// codec's fast paths are (numbers below 2^31; one-byte values read at once).
const numbers = [3, 3, 120_406, 120_406, 120_407, 3];
const out = Buffer.alloc(64);
function leb128(): number {
  let off = 0;
  for (let v of numbers) {
    while (v >= 0x80) {
      out[off++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[off++] = v;
  }
  let pos = 0;
  let total = 0;
  for (let k = 0; k < numbers.length; k++) {
    if (out[pos]! < 0x80) {
      total += out[pos++]!;
      continue;
    }
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = out[pos++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
    }
    total += v;
  }
  return total + off;
}
const view = new DataView(out.buffer, out.byteOffset, out.length);
function fixed(): number {
  let off = 0;
  for (const v of numbers) {
    view.setUint32(off, Math.floor(v / 2 ** 32));
    view.setUint32(off + 4, v >>> 0);
    off += 8;
  }
  let total = 0;
  for (let pos = 0; pos < off; pos += 8) total += view.getUint32(pos) * 2 ** 32 + view.getUint32(pos + 4);
  return total + off;
}
console.log("\n| six numbers, written and read back | bytes | ns hot |");
console.log("|---|---|---|");
console.log(`| LEB128 | ${leb128() - numbers.reduce((a, b) => a + b)} | ${hot(leb128).toFixed(0)} |`);
console.log(
  `| fixed 8 bytes (DataView) | ${fixed() - numbers.reduce((a, b) => a + b)} | ${hot(fixed).toFixed(0)} |`,
);
if (sink < 0) console.log(sink);
