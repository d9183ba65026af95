import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { legacyDial, legacyListener } from "./__tests__/legacyPeer.js";
import { tcpCluster } from "./__tests__/tcpCluster.js";
import { sleep, until } from "./__tests__/until.js";
import { encodeBinaryMessage } from "./binaryMessageCodec.js";
import { systemClock } from "./clock.js";
import { RaftErrorCode } from "./errors.js";
import { FrameReader, frame } from "./tcpFrames.js";
import { PeerHandshake, ProtocolMismatchError } from "./tcpHandshake.js";
import { TcpTransport } from "./tcpTransport.js";
import type { TcpTransportOptions } from "./tcpTransportOptions.js";
import type { Message } from "./types.js";
import type { WireProtocol } from "./wireProtocols.js";

const SECRET = "0123456789abcdef-cluster-secret";
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});
const hb = (i: number): Message => ({ type: "heartbeat", from: "a", to: "b", term: 3, commit: i });
const V1: WireProtocol = "amstaff-raft/1";
const V2: WireProtocol = "amstaff-raft/2";

async function node(id: string, options: Partial<TcpTransportOptions> = {}) {
  const warnings: string[] = [];
  const got: Message[] = [];
  const t = new TcpTransport({
    id,
    secret: SECRET,
    logger: { warn: (m, d) => warnings.push(`${m} ${JSON.stringify(d)}`) },
    ...options,
  });
  await t.listen((m) => got.push(m));
  closers.push(() => t.close());
  return { t, got, warnings };
}

describe("TcpTransport protocol negotiation", () => {
  it("two current nodes speak amstaff-raft/2", async () => {
    const a = await node("a");
    const b = await node("b");
    a.t.setPeer("b", b.t.address());
    a.t.send([hb(1), hb(2)]);
    await until(() => b.got.length === 2);
    expect(b.got).toEqual([hb(1), hb(2)]);
    expect(a.t.protocol("b")).toBe(V2);
  });

  it("a node that offers only amstaff-raft/1 gets it from one that speaks both", async () => {
    const a = await node("a", { protocols: [V1] });
    const b = await node("b");
    a.t.setPeer("b", b.t.address());
    a.t.send([hb(1)]);
    await until(() => b.got.length === 1);
    expect(b.got).toEqual([hb(1)]);
    expect(a.t.protocol("b")).toBe(V1);
  });

  it("a current node dials a node of the previous release in v1", async () => {
    const a = await node("a");
    const old = await legacyListener("b", SECRET);
    closers.push(old.close);
    a.t.setPeer("b", old.address);
    a.t.send([hb(1), hb(2)]);
    await until(() => old.got.length === 2);
    expect(old.got).toEqual([hb(1), hb(2)]);
    expect(old.rejected).toEqual([]);
    expect(a.t.protocol("b")).toBe(V1);
  });

  it("a node of the previous release dials a current node in v1", async () => {
    const b = await node("b");
    const socket = await legacyDial("a", SECRET, "b", b.t.address().port, [hb(1), hb(2)]);
    closers.push(async () => socket.destroy());
    await until(() => b.got.length === 2);
    expect(b.got).toEqual([hb(1), hb(2)]);
    expect(b.warnings).toEqual([]);
  });

  it("nodes that share no protocol refuse each other clearly, and the dialler backs off", async () => {
    let now = 0;
    const clock = { ...systemClock, now: () => now };
    const a = await node("a", { protocols: [V2], clock, initialBackoffMs: 60_000 });
    const b = await node("b", { protocols: [V1] });
    a.t.setPeer("b", b.t.address());
    a.t.send([hb(1)]);
    await until(() => a.warnings.length > 0 && b.warnings.length > 0);
    expect(a.warnings).toEqual([
      `peer b speaks amstaff-raft/1, this node amstaff-raft/2: upgrade one release at a time {"peer":"b"}`,
    ]);
    expect(b.warnings).toHaveLength(1);
    expect(b.warnings[0]).toMatch(
      /^peer a speaks amstaff-raft\/2, this node amstaff-raft\/1: upgrade one release at a time /,
    );
    expect(`${a.warnings}${b.warnings}`).not.toContain(SECRET);
    // Backs off like any failed peer: no new dial until the clock says so.
    for (let i = 0; i < 5; i++) {
      a.t.send([hb(2)]);
      await sleep(20);
    }
    expect(b.warnings).toHaveLength(1);
    now += 60_000;
    a.t.send([hb(3)]);
    await until(() => b.warnings.length === 2);
    expect(b.warnings).toHaveLength(2);
    expect(b.got).toEqual([]);
  });

  it("a node that dropped amstaff-raft/1 refuses the previous release, and says why", async () => {
    const b = await node("b", { protocols: [V2] });
    await expect(legacyDial("a", SECRET, "b", b.t.address().port, [hb(1)])).rejects.toThrow();
    await until(() => b.warnings.length > 0);
    expect(b.warnings[0]).toMatch(
      /^peer a speaks amstaff-raft\/1, this node amstaff-raft\/2: upgrade one release at a time /,
    );
    expect(b.got).toEqual([]);
  });

  it("a node that dropped amstaff-raft/1 cannot reach the previous release, which sees no v1 MAC", async () => {
    const a = await node("a", { protocols: [V2] });
    const old = await legacyListener("b", SECRET);
    closers.push(old.close);
    a.t.setPeer("b", old.address);
    a.t.send([hb(1)]);
    await until(() => a.warnings.length > 0);
    expect(old.rejected).toEqual(["peer failed authentication"]);
    expect(a.warnings[0]).toMatch(/^raft peer closed the connection after our hello /);
    expect(old.got).toEqual([]);
  });

  it("closes an authenticated amstaff-raft/2 connection on a malformed frame, logs why, and keeps running", async () => {
    const b = await node("b");
    const handshake = new PeerHandshake("a", Buffer.from(SECRET), [V2]);
    const good = encodeBinaryMessage(hb(1));
    const bad = Buffer.concat([good, Buffer.from([0])]);
    const socket = connect(b.t.address());
    closers.push(async () => socket.destroy());
    let serverNonce = "";
    const reader = new FrameReader(
      () => 4096,
      (f) => {
        if (!serverNonce) {
          const answer = handshake.answerChallenge(f, "b", "c".repeat(32));
          serverNonce = answer.serverNonce;
          socket.write(answer.hello);
        } else {
          expect(handshake.verifyWelcome(f, "b", "c".repeat(32), serverNonce)).toBe(V2);
          socket.write(Buffer.concat([frame(good), frame(bad), frame(good)]));
        }
      },
    );
    socket.on("data", (chunk: Buffer) => reader.push(chunk));
    const closed = new Promise((resolve) => socket.on("close", resolve));
    await closed;
    expect(b.got).toEqual([hb(1)]);
    expect(b.warnings).toHaveLength(1);
    expect(b.warnings[0]).toMatch(
      /rejected a connection .*"peer":"a".*malformed raft message: trailing bytes/,
    );
    const a = await node("a");
    a.t.setPeer("b", b.t.address());
    a.t.send([hb(2)]);
    await until(() => b.got.length === 2);
    expect(b.got).toEqual([hb(1), hb(2)]);
  });

  it("a cluster halfway through an upgrade elects, commits and applies everywhere", async () => {
    // n3 is not upgraded yet: it speaks v1 only, the others v2 between themselves and v1 with it.
    const { transports, kvs, leader } = await tcpCluster(["n1", "n2", "n3"], SECRET, closers, (id) =>
      id === "n3" ? { protocols: [V1] } : {},
    );
    expect(leader).toBeDefined();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => leader!.propose({ op: "put", key: `k${i}`, value: "v" })),
    );
    await until(() => kvs.every((kv) => kv.size === 50));
    expect(kvs.map((kv) => kv.size)).toEqual([50, 50, 50]);
    // Followers only talk to the leader: its connections, both ways, are the ones that exist.
    const lead = leader!.id;
    for (const other of ["n1", "n2", "n3"].filter((id) => id !== lead)) {
      const want = lead === "n3" || other === "n3" ? V1 : V2;
      expect([transports.get(lead)!.protocol(other), transports.get(other)!.protocol(lead)]).toEqual([
        want,
        want,
      ]);
    }
  });

  it("drops a message it cannot encode, says so, and sends the rest", async () => {
    const a = await node("a");
    const b = await node("b");
    a.t.setPeer("b", b.t.address());
    a.t.send([hb(1), { ...hb(2), commit: -1 }]); // queued while connecting
    await until(() => b.got.length === 1);
    expect(() => a.t.send([{ ...hb(3), term: Number.NaN }, hb(4)])).not.toThrow();
    await until(() => b.got.length === 2);
    expect(b.got).toEqual([hb(1), hb(4)]);
    expect(a.warnings).toHaveLength(2);
    expect(a.warnings[0]).toMatch(/^raft transport dropped a message it could not encode .*cannot encode -1/);
  });

  it("refuses an unknown or empty protocols option", () => {
    expect(() => new TcpTransport({ id: "a", secret: SECRET, protocols: [] })).toThrow(/at least one/);
    expect(
      () => new TcpTransport({ id: "a", secret: SECRET, protocols: ["amstaff-raft/9" as WireProtocol] }),
    ).toThrow(/unknown wire protocol/);
    expect(() => new TcpTransport({ id: "a", secret: SECRET, protocols: [] })).toThrow(
      expect.objectContaining({ code: RaftErrorCode.InvalidOption }),
    );
  });
});

describe("PeerHandshake: every part of the negotiation is MAC'd", () => {
  const body = (frame: Buffer) => frame.subarray(4);
  const json = (frame: Buffer) => JSON.parse(body(frame).toString()) as Record<string, unknown>;
  const tamper = (frame: Buffer, change: Record<string, unknown>) =>
    Buffer.from(JSON.stringify({ ...json(frame), ...change }));
  const start = (a: PeerHandshake, b: PeerHandshake) => {
    const challenge = body(b.challenge("s".repeat(32)));
    return a.answerChallenge(challenge, "b", "c".repeat(32)).hello;
  };
  const both = () => ({
    a: new PeerHandshake("a", Buffer.from(SECRET), [V2, V1]),
    b: new PeerHandshake("b", Buffer.from(SECRET), [V2, V1]),
  });

  it("settles on the highest common protocol", () => {
    const { a, b } = both();
    const hello = b.verifyHello(body(start(a, b)), "s".repeat(32));
    expect(hello.protocols).toEqual([V2, V1]);
    const answer = b.answerHello(hello, "s".repeat(32));
    expect(a.verifyWelcome(body(answer.frame), "b", "c".repeat(32), "s".repeat(32))).toBe(V2);
  });

  it("rejects a hello whose protocol list, v1 MAC or v2 MAC was changed", () => {
    const { a, b } = both();
    const hello = start(a, b);
    for (const change of [{ protos: [V1] }, { protos: [V2] }, { mac: "00" }, { pmac: undefined }]) {
      expect(() => b.verifyHello(tamper(hello, change), "s".repeat(32))).toThrow(/authentication/);
    }
    // Without the list it is a v1 hello, whose MAC does not cover the nonce of another challenge.
    expect(() => b.verifyHello(tamper(hello, { protos: undefined }), "t".repeat(32))).toThrow(
      /authentication/,
    );
  });

  it("rejects a welcome whose protocol was changed, and a forged refusal", () => {
    const { a, b } = both();
    const hello = b.verifyHello(body(start(a, b)), "s".repeat(32));
    const welcome = b.answerHello(hello, "s".repeat(32)).frame;
    const check = (f: Buffer) => a.verifyWelcome(f, "b", "c".repeat(32), "s".repeat(32));
    expect(() => check(tamper(welcome, { proto: V1 }))).toThrow(/authentication/);
    expect(() => check(tamper(welcome, { proto: undefined }))).toThrow(/authentication/);
    const stranger = new PeerHandshake("b", Buffer.from("another-secret-of-16+bytes"), [V1]);
    const refusal = stranger.answerHello({ ...hello, protocols: [V2] }, "s".repeat(32));
    expect("refused" in refusal).toBe(true);
    expect(() => check(body(refusal.frame))).toThrow(/authentication/);
  });

  it("an authenticated refusal names what the listener speaks", () => {
    const a = new PeerHandshake("a", Buffer.from(SECRET), [V2]);
    const b = new PeerHandshake("b", Buffer.from(SECRET), [V1]);
    const hello = b.verifyHello(body(start(a, b)), "s".repeat(32));
    const answer = b.answerHello(hello, "s".repeat(32));
    expect(() => a.verifyWelcome(body(answer.frame), "b", "c".repeat(32), "s".repeat(32))).toThrow(
      ProtocolMismatchError,
    );
    expect(json(answer.frame)).toMatchObject({ t: "refused", protos: [V1] });
  });
});
