import { type AddressInfo, connect, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { tcpCluster } from "./__tests__/tcpCluster.js";
import { systemClock } from "./clock.js";
import { decodeMessage, encodeMessage } from "./messageCodec.js";
import { FrameReader, frame } from "./tcpFrames.js";
import { TcpTransport } from "./tcpTransport.js";
import type { Message } from "./types.js";

const SECRET = "0123456789abcdef-cluster-secret";
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function logger() {
  const warnings: string[] = [];
  return {
    warnings,
    warn: (m: string, d?: Record<string, unknown>) => warnings.push(`${m} ${JSON.stringify(d)}`),
  };
}

async function pair(secretB = SECRET) {
  const log = logger();
  const a = new TcpTransport({ id: "a", secret: SECRET, logger: log });
  const b = new TcpTransport({ id: "b", secret: secretB, logger: log });
  const got: Message[] = [];
  await a.listen(() => {});
  await b.listen((m) => got.push(m));
  closers.push(
    () => a.close(),
    () => b.close(),
  );
  a.setPeer("b", b.address());
  b.setPeer("a", a.address());
  return { a, b, got, log };
}

const hb = (i: number): Message => ({ type: "heartbeat", from: "a", to: "b", term: 3, commit: i });

describe("message codec", () => {
  it("round-trips entries and snapshot chunks as raw bytes, framed or not", () => {
    const m: Message = {
      type: "app",
      from: "a",
      to: "b",
      term: 2,
      index: 5,
      logTerm: 1,
      commit: 4,
      entries: [{ index: 6, term: 2, type: 0, data: new Uint8Array([1, 2, 3]) }],
    };
    expect(decodeMessage(encodeMessage(m))).toEqual(m);
    const s: Message = {
      type: "snap",
      from: "a",
      to: "b",
      term: 2,
      index: 9,
      offset: 0,
      done: true,
      snapshot: { index: 9, term: 2, conf: { voters: ["a", "b"], learners: [] } },
      chunk: new Uint8Array([7]),
    };
    expect(decodeMessage(encodeMessage(s))).toEqual(s);
    // Framed, as the transport sends them: the frame it would have made, read back by a FrameReader.
    const read: Message[] = [];
    const reader = new FrameReader(
      () => 1 << 20,
      (f) => read.push(decodeMessage(f)),
    );
    for (const x of [m, s, hb(1)]) {
      expect(encodeMessage(x, true)).toEqual(frame(encodeMessage(x)));
      reader.push(encodeMessage(x, true));
    }
    expect(read).toEqual([m, s, hb(1)]);
  });

  it("rejects malformed input", () => {
    const good = encodeMessage(hb(1));
    expect(() => decodeMessage(good.subarray(0, 3))).toThrow(/malformed/);
    expect(() => decodeMessage(Buffer.concat([good, Buffer.from([1])]))).toThrow(/trailing/);
    const hostile = Buffer.from(JSON.stringify({ type: "app", from: "a", to: "b", term: -1 }));
    const frame = Buffer.alloc(4 + hostile.length);
    frame.writeUInt32BE(hostile.length, 0);
    hostile.copy(frame, 4);
    expect(() => decodeMessage(frame)).toThrow(/term/);
    const lying = Buffer.from(
      JSON.stringify({ type: "app", from: "a", to: "b", term: 1, entries: [[1, 1, 0, 999]] }),
    );
    const f2 = Buffer.alloc(4 + lying.length);
    f2.writeUInt32BE(lying.length, 0);
    lying.copy(f2, 4);
    expect(() => decodeMessage(f2)).toThrow(/shorter/);
  });
});

describe("TcpTransport", () => {
  it("delivers messages between authenticated peers", async () => {
    const { a, got } = await pair();
    a.send([hb(1)]);
    for (let i = 0; i < 100 && got.length === 0; i++) await sleep(10);
    expect(got).toEqual([hb(1)]);
  });

  it("reports the end of each read after its messages, a burst of frames as one run", async () => {
    const a = new TcpTransport({ id: "a", secret: SECRET });
    const b = new TcpTransport({ id: "b", secret: SECRET });
    const events: string[] = [];
    await a.listen(() => {});
    await b.listen(
      (m) => events.push(`m${m.commit}`),
      () => events.push("end"),
    );
    closers.push(
      () => a.close(),
      () => b.close(),
    );
    a.setPeer("b", b.address());
    a.send([hb(0)]); // opens the connection
    for (let i = 0; i < 100 && !events.includes("end"); i++) await sleep(10);
    expect(events).toEqual(["m0", "end"]);
    events.length = 0;
    // One send() is one write on a connection: the three frames arrive in one read.
    a.send([hb(1), hb(2), hb(3)]);
    for (let i = 0; i < 100 && !events.includes("end"); i++) await sleep(10);
    expect(events).toEqual(["m1", "m2", "m3", "end"]);
  });

  it("delivers one send() to several peers in order, whether each peer's messages are in a row or interleaved", async () => {
    const a = new TcpTransport({ id: "a", secret: SECRET });
    const peers = ["b", "c"].map((id) => ({
      id,
      t: new TcpTransport({ id, secret: SECRET }),
      got: [] as number[],
    }));
    await a.listen(() => {});
    closers.push(() => a.close());
    for (const p of peers) {
      await p.t.listen((m) => p.got.push(m.commit!));
      closers.push(() => p.t.close());
      a.setPeer(p.id, p.t.address());
    }
    const to = (peer: string, commit: number): Message => ({ ...hb(commit), to: peer });
    const delivered = async (n: number) => {
      for (let i = 0; i < 200 && peers.some((p) => p.got.length < n); i++) await sleep(10);
    };
    a.send([to("b", 0), to("c", 0)]); // opens both connections
    await delivered(1);
    a.send([to("b", 1), to("b", 2), to("c", 1), to("c", 2)]);
    a.send([to("b", 3), to("c", 3), to("b", 4), to("c", 4), to("b", 5)]);
    await delivered(5);
    expect(peers[0]!.got).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peers[1]!.got).toEqual([0, 1, 2, 3, 4]);
  });

  it("refuses a peer with the wrong secret and logs it without the secret", async () => {
    const { a, got, log } = await pair("another-secret-of-16+bytes");
    a.send([hb(1)]);
    await sleep(200);
    a.send([hb(2)]);
    await sleep(200);
    expect(got).toEqual([]);
    expect(log.warnings.some((w) => w.includes("authentication"))).toBe(true);
    expect(log.warnings.join("\n")).not.toContain(SECRET);
  });

  it("survives hostile connections: garbage, oversized frames, unauthenticated messages", async () => {
    const { a, b, got, log } = await pair();
    const { port } = b.address();
    const hostile = async (payload: Buffer) => {
      const s = connect({ host: "127.0.0.1", port });
      await new Promise<void>((resolve) => {
        s.on("connect", () => s.write(payload));
        s.on("close", () => resolve());
        s.on("error", () => resolve());
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 300);
      });
    };
    await hostile(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    await hostile(Buffer.from("GET / HTTP/1.1\r\n\r\n"));
    const raw = encodeMessage(hb(9));
    const f = Buffer.alloc(4 + raw.length);
    f.writeUInt32BE(raw.length, 0);
    raw.copy(f, 4);
    await hostile(f);
    expect(log.warnings.length).toBeGreaterThanOrEqual(3);
    a.send([hb(3)]);
    for (let i = 0; i < 100 && got.length === 0; i++) await sleep(10);
    expect(got).toEqual([hb(3)]);
  });

  it("reconnects with backoff after the peer restarts", async () => {
    const log = logger();
    const a = new TcpTransport({ id: "a", secret: SECRET, initialBackoffMs: 10, maxBackoffMs: 50 });
    await a.listen(() => {});
    closers.push(() => a.close());
    const got: Message[] = [];
    let b = new TcpTransport({ id: "b", secret: SECRET, logger: log });
    await b.listen((m) => got.push(m));
    const { port } = b.address();
    a.setPeer("b", { host: "127.0.0.1", port });
    a.send([hb(1)]);
    for (let i = 0; i < 100 && got.length < 1; i++) await sleep(10);
    await b.close();
    await sleep(50);
    b = new TcpTransport({ id: "b", secret: SECRET, listen: { port } });
    await b.listen((m) => got.push(m));
    closers.push(() => b.close());
    for (let i = 0; i < 300 && got.length < 2; i++) {
      a.send([hb(2)]);
      await sleep(10);
    }
    expect(got.map((m) => m.commit)).toContain(2);
  });

  it("runs a three-node cluster over real sockets", async () => {
    const { nodes, kvs, leader } = await tcpCluster(["n1", "n2", "n3"], SECRET, closers);
    expect(leader).toBeDefined();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => leader!.propose({ op: "put", key: `k${i}`, value: "v" })),
    );
    const kv = kvs[nodes.indexOf(leader!)]!;
    expect(await leader!.read(() => kv.size)).toBe(50);
  });
});

describe("TcpTransport reconnects", () => {
  it("dials a failed peer again when the injected clock says its backoff is over, not real time", async () => {
    let connections = 0;
    // A peer that hangs up at once: every dial fails and backs off.
    const peer = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => peer.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => peer.close(resolve)));
    let now = 0;
    const a = new TcpTransport({
      id: "a",
      secret: SECRET,
      peers: { b: { host: "127.0.0.1", port: (peer.address() as AddressInfo).port } },
      initialBackoffMs: 60_000,
      clock: { ...systemClock, now: () => now },
    });
    closers.push(() => a.close());
    a.send([hb(1)]);
    for (let i = 0; i < 20 && connections === 0; i++) await sleep(10);
    expect(connections).toBe(1);
    // Real time passes, the clock stands still: the peer is not dialled again.
    for (let i = 0; i < 10; i++) {
      a.send([hb(2)]);
      await sleep(20);
    }
    expect(connections).toBe(1);
    // The backoff (at most 60 s with its jitter) is over on the clock: the next message dials again.
    now += 60_000;
    for (let i = 0; i < 50 && connections === 1; i++) {
      a.send([hb(3)]);
      await sleep(10);
    }
    expect(connections).toBe(2);
  });
});
