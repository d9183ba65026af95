import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { tcpCluster } from "./__tests__/tcpCluster.js";
import { issue, makeCa, type TestCa } from "./__tests__/tlsCerts.js";
import { sleep, until } from "./__tests__/until.js";
import { TcpTransport, type TcpTransportTls } from "./tcpTransport.js";
import type { Message } from "./types.js";

const SECRET = "0123456789abcdef-cluster-secret";
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});
const hb = (i: number): Message => ({ type: "heartbeat", from: "a", to: "b", term: 3, commit: i });

let ca: TestCa;
let otherCa: TestCa;
const tls: Record<string, { ca: string; cert: string; key: string }> = {};
beforeAll(async () => {
  ca = await makeCa();
  otherCa = await makeCa("someone else's CA");
  for (const id of ["a", "b", "n1", "n2", "n3"]) tls[id] = { ca: ca.pem, ...(await issue(ca, id)) };
});

function logger() {
  const warnings: string[] = [];
  return {
    warnings,
    warn: (m: string, d?: Record<string, unknown>) => warnings.push(`${m} ${JSON.stringify(d)}`),
  };
}

/** b listens with TLS; a dials it with `aTls` (or plain TCP when undefined). */
async function pair(aTls: TcpTransportTls | undefined) {
  const logA = logger();
  const logB = logger();
  const a = new TcpTransport({ id: "a", secret: SECRET, logger: logA, tls: aTls, initialBackoffMs: 20 });
  const b = new TcpTransport({ id: "b", secret: SECRET, logger: logB, tls: tls.b });
  const got: Message[] = [];
  await a.listen(() => {});
  await b.listen((m) => got.push(m));
  closers.push(
    () => a.close(),
    () => b.close(),
  );
  a.setPeer("b", b.address());
  return { a, b, got, logA, logB };
}

/** Sends `payload` on a raw connection and collects what comes back until the peer closes it. */
async function raw(
  open: () => import("node:net").Socket,
  payload: Buffer,
): Promise<{ received: Buffer; closedByPeer: boolean }> {
  const socket = open();
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    let closedByPeer = false;
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => {});
    socket.write(payload);
    socket.on("end", () => {
      closedByPeer = true;
    });
    socket.on("close", () => {
      closedByPeer = true;
      resolve({ received: Buffer.concat(chunks), closedByPeer });
    });
    setTimeout(() => {
      socket.destroy();
      resolve({ received: Buffer.concat(chunks), closedByPeer });
    }, 2000);
  });
}

describe("TcpTransport over mutual TLS", () => {
  it("delivers messages between peers holding certificates of the cluster CA", async () => {
    const { a, b, got } = await pair(tls.a);
    a.send([hb(1)]);
    await until(() => got.length > 0);
    expect(got).toEqual([hb(1)]);
    // The listener speaks TLS, and the Raft handshake (the HMAC challenge) runs inside it.
    const socket = tlsConnect({ ...b.address(), ca: ca.pem, cert: tls.a!.cert, key: tls.a!.key });
    closers.push(async () => socket.destroy());
    const challenge = await new Promise<string>((resolve, reject) => {
      socket.once("data", (chunk: Buffer) => resolve(chunk.toString()));
      socket.once("error", reject);
    });
    expect(socket.getProtocol()).toBe("TLSv1.3");
    expect(challenge).toContain('"t":"challenge"');
  });

  it("refuses a peer whose certificate comes from another CA", async () => {
    const foreign = { ca: ca.pem, ...(await issue(otherCa, "a")) };
    const { a, got, logB } = await pair(foreign);
    for (let i = 0; i < 5; i++) {
      a.send([hb(i)]);
      await sleep(100);
    }
    expect(got).toEqual([]);
    expect(logB.warnings.join("\n")).toMatch(/refused a TLS connection/);
  });

  it("refuses a peer that presents no certificate", async () => {
    const { b, got, logB } = await pair(tls.a);
    const { port } = b.address();
    const { received, closedByPeer } = await raw(
      () => tlsConnect({ host: "127.0.0.1", port, ca: ca.pem, minVersion: "TLSv1.3" }),
      Buffer.from("hello"),
    );
    expect(closedByPeer).toBe(true);
    expect(received.toString()).not.toContain("challenge");
    expect(got).toEqual([]);
    await until(() => logB.warnings.length > 0);
    expect(logB.warnings.join("\n")).toMatch(/refused a TLS connection/);
  });

  it("refuses plain TCP, from a raw client or a transport without TLS", async () => {
    const { a, b, got, logB } = await pair(undefined);
    const { port } = b.address();
    const { received, closedByPeer } = await raw(
      () => connect({ host: "127.0.0.1", port }),
      Buffer.from([0, 0, 0, 2, 0x7b, 0x7d]),
    );
    expect(closedByPeer).toBe(true);
    // Nothing of the Raft protocol is spoken before the TLS handshake: no challenge in clear text.
    expect(received.toString("latin1")).not.toContain("challenge");
    for (let i = 0; i < 5; i++) {
      a.send([hb(i)]);
      await sleep(100);
    }
    expect(got).toEqual([]);
    expect(logB.warnings.join("\n")).toMatch(/refused a TLS connection/);
  });

  it("refuses a cluster certificate that names another node", async () => {
    // a holds n1's certificate: the CA is right, the identity is not.
    const { a, got, logB } = await pair({ ca: ca.pem, cert: tls.n1!.cert, key: tls.n1!.key });
    for (let i = 0; i < 5; i++) {
      a.send([hb(i)]);
      await sleep(100);
    }
    expect(got).toEqual([]);
    expect(logB.warnings.join("\n")).toMatch(/presented the certificate of \\"n1\\"/);
  });

  it("still closes a connection with corrupt frames inside the TLS channel, and keeps serving", async () => {
    const { a, b, got, logB } = await pair(tls.a);
    const { port } = b.address();
    const open = () =>
      tlsConnect({ host: "127.0.0.1", port, ca: ca.pem, cert: tls.a!.cert, key: tls.a!.key });
    for (const garbage of [
      Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
      Buffer.from([0, 0, 0, 3, 0x7b, 0x7b, 0x7b]),
      Buffer.from("GET / HTTP/1.1\r\n\r\n"),
    ]) {
      const { closedByPeer } = await raw(open, garbage);
      expect(closedByPeer).toBe(true);
    }
    expect(logB.warnings.filter((w) => w.includes("rejected a connection")).length).toBeGreaterThanOrEqual(2);
    a.send([hb(7)]);
    await until(() => got.length > 0);
    expect(got).toEqual([hb(7)]);
  });

  it("runs a three-node cluster over TLS", async () => {
    const { nodes, kvs, leader } = await tcpCluster(["n1", "n2", "n3"], SECRET, closers, (id) => ({
      tls: tls[id],
    }));
    expect(leader).toBeDefined();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => leader!.propose({ op: "put", key: `k${i}`, value: "v" })),
    );
    const kv = kvs[nodes.indexOf(leader!)]!;
    expect(await leader!.read(() => kv.size)).toBe(20);
  });
});
