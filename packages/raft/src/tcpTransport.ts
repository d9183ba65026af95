import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import {
  checkServerIdentity,
  type PeerCertificate,
  type TLSSocket,
  connect as tlsConnect,
  createServer as tlsCreateServer,
} from "node:tls";
import { type RaftClock, systemClock } from "./clock.js";
import { decodeMessage, encodeMessage } from "./messageCodec.js";
import type { RaftLogger } from "./raftNode.js";
import type { RaftTransport } from "./transport.js";
import type { Message, NodeId } from "./types.js";

/** Where a peer listens. */
export interface PeerAddress {
  host: string;
  port: number;
}

/**
 * Mutual TLS between nodes: every node presents a certificate issued by the cluster's own CA, whose
 * common name is its node id, and accepts only peers whose certificate chains to that CA.
 */
export interface TcpTransportTls {
  /** The cluster CA (PEM): the only authority peer certificates are checked against (never the system store). */
  ca: string | Uint8Array;
  /** This node's certificate (PEM), issued by `ca`, common name = this node's id. */
  cert: string | Uint8Array;
  /** The private key of `cert` (PEM). */
  key: string | Uint8Array;
  /**
   * Also require a peer's certificate to name the node it claims to be (common name = node id), so a
   * node cannot speak for another. @default true
   */
  verifyNodeId?: boolean;
}

/** Options of {@link TcpTransport}. */
export interface TcpTransportOptions {
  /** This node's id (authenticated in the handshake). */
  id: NodeId;
  /** Address to listen on. @default { host: "127.0.0.1", port: 0 } */
  listen?: Partial<PeerAddress>;
  /** Where every other node listens; update later with `setPeer`. */
  peers?: Record<NodeId, PeerAddress>;
  /** The shared cluster secret: peers prove knowledge of it with an HMAC-SHA256 challenge-response. */
  secret: string | Uint8Array;
  /** Largest accepted frame; a bigger one closes the connection. @default 67108864 (64 MiB) */
  maxFrameBytes?: number;
  /** First reconnect delay after a failure (doubles up to `maxBackoffMs`). @default 50 */
  initialBackoffMs?: number;
  /** @default 2000 */
  maxBackoffMs?: number;
  /** Messages buffered per peer while (re)connecting; beyond that they are dropped (Raft resends). @default 4096 */
  maxQueuedMessages?: number;
  /** Bytes buffered in a peer socket beyond which messages are dropped. @default 67108864 */
  maxBufferedBytes?: number;
  /** Handshake deadline. @default 5000 */
  handshakeTimeoutMs?: number;
  /**
   * Encrypt and mutually authenticate every connection with TLS 1.3 (the HMAC handshake still runs
   * inside it). @default none: plain TCP, authenticated but not encrypted
   */
  tls?: TcpTransportTls;
  /** Receives warnings (rejected peers, malformed frames); never secrets. */
  logger?: RaftLogger;
  /**
   * Decides when a peer that failed may be dialled again (the reconnect backoff); inject one to test
   * reconnects without sleeping. @default the system clock
   */
  clock?: RaftClock;
}

const HANDSHAKE_MAX = 4096;
const PROTOCOL = "amstaff-raft/1";

/** Splits a byte stream into length-prefixed frames, enforcing a maximum size. */
class FrameReader {
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

function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}
function jsonFrame(v: unknown): Buffer {
  return frame(Buffer.from(JSON.stringify(v)));
}

interface Outbound {
  socket: Socket | null;
  ready: boolean;
  queue: Buffer[];
  backoff: number;
  nextAttempt: number;
}

/**
 * Raft over TCP (node:net): one outbound connection per peer, length-prefixed frames, an HMAC-SHA256
 * challenge-response handshake proving both ends hold the cluster secret, frame-size limits, reconnects
 * with exponential backoff. A malformed or hostile frame is logged and its connection closed; the node
 * keeps running. With `tls`, connections are TLS 1.3 with certificates on both sides, checked against
 * the cluster CA only; the HMAC handshake runs inside the TLS channel, so a node needs both a
 * certificate of the cluster and the secret.
 *
 * @example
 * const transport = new TcpTransport({ id: "a", secret: process.env.RAFT_SECRET!, peers: { b: { host: "10.0.0.2", port: 7000 } } });
 * await transport.listen(handler); // or let RaftNode.create call it
 * transport.address(); // { host, port }
 */
export class TcpTransport implements RaftTransport {
  readonly id: NodeId;
  readonly #secret: Buffer;
  readonly #opts: TcpTransportOptions;
  readonly #clock: RaftClock;
  readonly #peers = new Map<NodeId, PeerAddress>();
  readonly #out = new Map<NodeId, Outbound>();
  readonly #inbound = new Set<Socket>();
  readonly #connecting = new Set<Socket>();
  #server: Server | null = null;
  #handler: ((m: Message) => void) | null = null;
  #closed = false;

  constructor(options: TcpTransportOptions) {
    this.id = options.id;
    this.#opts = options;
    this.#clock = options.clock ?? systemClock;
    this.#secret = Buffer.from(options.secret);
    if (this.#secret.length < 16) throw new Error("the cluster secret must be at least 16 bytes");
    for (const [id, addr] of Object.entries(options.peers ?? {})) this.#peers.set(id, addr);
  }

  /** Sets or changes where a peer listens (e.g. after adding a member). */
  setPeer(id: NodeId, address: PeerAddress): void {
    this.#peers.set(id, address);
    const o = this.#out.get(id);
    if (o?.socket) o.socket.destroy();
  }

  /** The bound address (after `listen`). */
  address(): PeerAddress {
    const a = this.#server?.address();
    if (!a || typeof a === "string") throw new Error("transport is not listening");
    return { host: a.address, port: a.port };
  }

  #mac(...parts: string[]): Buffer {
    return createHmac("sha256", this.#secret).update(parts.join("|")).digest();
  }
  #warn(message: string, details?: Record<string, unknown>): void {
    this.#opts.logger?.warn(message, details);
  }

  /** Binds the listening socket (once) and (re)sets the handler of incoming messages. */
  async listen(handler: (message: Message) => void): Promise<void> {
    this.#handler = handler;
    if (this.#server) return;
    const tls = this.#opts.tls;
    const server = tls
      ? tlsCreateServer(
          {
            ca: toPem(tls.ca),
            cert: toPem(tls.cert),
            key: toPem(tls.key),
            requestCert: true,
            rejectUnauthorized: true,
            minVersion: "TLSv1.3",
            handshakeTimeout: this.#opts.handshakeTimeoutMs ?? 5000,
          },
          (socket) => this.#accept(socket),
        )
      : createServer((socket) => this.#accept(socket));
    this.#server = server;
    // Connections still in their TLS handshake are not in #inbound yet: close() must end them too.
    server.on("connection", (socket: Socket) => {
      this.#connecting.add(socket);
      socket.once("close", () => this.#connecting.delete(socket));
    });
    server.on("error", (e) => this.#warn("raft transport server error", { error: String(e) }));
    // A peer without a certificate of the cluster CA, or speaking plain TCP, never reaches #accept.
    server.on("tlsClientError", (error: Error, socket: TLSSocket) =>
      this.#warn("raft transport refused a TLS connection", {
        remote: socket.remoteAddress,
        reason: error.message,
      }),
    );
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#opts.listen?.port ?? 0, this.#opts.listen?.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  }

  #accept(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#inbound.add(socket);
    socket.setNoDelay(true);
    const serverNonce = randomBytes(16).toString("hex");
    let peer: NodeId | null = null;
    // A guard of the socket, not a decision: a peer that never completes the handshake is dropped
    // after `handshakeTimeoutMs` of real time, whatever clock drives the backoff.
    const timer = setTimeout(() => {
      this.#warn("raft peer handshake timed out", { remote: socket.remoteAddress });
      socket.destroy();
    }, this.#opts.handshakeTimeoutMs ?? 5000);
    const reader = new FrameReader(
      () => (peer === null ? HANDSHAKE_MAX : (this.#opts.maxFrameBytes ?? 64 << 20)),
      (f) => {
        if (peer === null) {
          const hello = JSON.parse(f.toString("utf8")) as Record<string, unknown>;
          const from = hello.from;
          const nonce = hello.nonce;
          const mac = typeof hello.mac === "string" ? Buffer.from(hello.mac, "hex") : Buffer.alloc(0);
          if (
            hello.t !== "hello" ||
            typeof from !== "string" ||
            typeof nonce !== "string" ||
            hello.to !== this.id
          ) {
            throw new Error("bad hello");
          }
          const want = this.#mac(PROTOCOL, "hello", from, this.id, serverNonce, nonce);
          if (mac.length !== want.length || !timingSafeEqual(mac, want))
            throw new Error("peer failed authentication");
          if (this.#opts.tls && this.#opts.tls.verifyNodeId !== false) {
            const name = commonName((socket as TLSSocket).getPeerCertificate());
            if (name !== from) throw new Error(`peer "${from}" presented the certificate of "${name}"`);
          }
          peer = from;
          clearTimeout(timer);
          socket.write(
            jsonFrame({
              t: "welcome",
              mac: this.#mac(PROTOCOL, "welcome", this.id, from, nonce, serverNonce).toString("hex"),
            }),
          );
          return;
        }
        const m = decodeMessage(f);
        if (m.from !== peer || m.to !== this.id) throw new Error("message addressed from/to the wrong node");
        this.#handler?.(m);
      },
    );
    socket.on("data", (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (error) {
        this.#warn("raft transport rejected a connection", {
          remote: socket.remoteAddress,
          peer,
          reason: error instanceof Error ? error.message : String(error),
        });
        socket.destroy();
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      clearTimeout(timer);
      this.#inbound.delete(socket);
    });
    socket.write(jsonFrame({ t: "challenge", nonce: serverNonce }));
  }

  #connect(to: NodeId, o: Outbound): void {
    const addr = this.#peers.get(to);
    if (!addr || this.#closed) return;
    const tls = this.#opts.tls;
    const socket = tls
      ? tlsConnect({
          host: addr.host,
          port: addr.port,
          ca: toPem(tls.ca),
          cert: toPem(tls.cert),
          key: toPem(tls.key),
          minVersion: "TLSv1.3",
          rejectUnauthorized: true,
          checkServerIdentity: (host, cert) => {
            const error = checkServerIdentity(host, cert);
            if (error || tls.verifyNodeId === false) return error;
            const name = commonName(cert);
            return name === to
              ? undefined
              : new Error(`${host} presented the certificate of "${name}", not of node "${to}"`);
          },
        })
      : connect({ host: addr.host, port: addr.port });
    socket.setNoDelay(true);
    o.socket = socket;
    o.ready = false;
    const clientNonce = randomBytes(16).toString("hex");
    let state: "challenge" | "welcome" | "open" = "challenge";
    let serverNonce = "";
    // A guard of the socket (as in #accept): a handshake that hangs frees its connection.
    const timer = setTimeout(() => socket.destroy(), this.#opts.handshakeTimeoutMs ?? 5000);
    const reader = new FrameReader(
      () => HANDSHAKE_MAX,
      (f) => {
        const msg = JSON.parse(f.toString("utf8")) as Record<string, unknown>;
        if (state === "challenge") {
          if (msg.t !== "challenge" || typeof msg.nonce !== "string") throw new Error("bad challenge");
          serverNonce = msg.nonce;
          state = "welcome";
          socket.write(
            jsonFrame({
              t: "hello",
              from: this.id,
              to,
              nonce: clientNonce,
              mac: this.#mac(PROTOCOL, "hello", this.id, to, serverNonce, clientNonce).toString("hex"),
            }),
          );
        } else if (state === "welcome") {
          const mac = typeof msg.mac === "string" ? Buffer.from(msg.mac, "hex") : Buffer.alloc(0);
          const want = this.#mac(PROTOCOL, "welcome", to, this.id, clientNonce, serverNonce);
          if (msg.t !== "welcome" || mac.length !== want.length || !timingSafeEqual(mac, want)) {
            throw new Error("peer failed authentication");
          }
          state = "open";
          clearTimeout(timer);
          o.ready = true;
          o.backoff = 0;
          socket.cork();
          for (const b of o.queue) socket.write(b);
          o.queue = [];
          process.nextTick(() => socket.uncork());
        } else {
          throw new Error("unexpected frame from peer");
        }
      },
    );
    socket.on("data", (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (error) {
        this.#warn("raft transport closed an outbound connection", {
          peer: to,
          reason: error instanceof Error ? error.message : String(error),
        });
        socket.destroy();
      }
    });
    socket.on("error", (error) => {
      // Certificate problems are configuration errors an operator must see; refusals and resets are routine.
      if (tls && !/ECONNREFUSED|ECONNRESET|EPIPE/.test(String((error as { code?: string }).code))) {
        this.#warn("raft transport could not open a TLS connection", { peer: to, reason: error.message });
      }
      socket.destroy();
    });
    socket.on("close", () => {
      clearTimeout(timer);
      if (o.socket === socket) {
        o.socket = null;
        o.ready = false;
        const initial = this.#opts.initialBackoffMs ?? 50;
        o.backoff = Math.min(o.backoff === 0 ? initial : o.backoff * 2, this.#opts.maxBackoffMs ?? 2000);
        o.nextAttempt = this.#clock.now() + o.backoff * (0.5 + Math.random() / 2);
      }
    });
  }

  send(messages: Message[]): void {
    if (this.#closed) return;
    const corked = new Set<Socket>();
    for (const m of messages) {
      let o = this.#out.get(m.to);
      if (!o) {
        o = { socket: null, ready: false, queue: [], backoff: 0, nextAttempt: 0 };
        this.#out.set(m.to, o);
      }
      if (!o.socket) {
        if (this.#clock.now() < o.nextAttempt) continue;
        this.#connect(m.to, o);
        if (!o.socket) continue;
      }
      const data = frame(encodeMessage(m));
      if (!o.ready) {
        if (o.queue.length < (this.#opts.maxQueuedMessages ?? 4096)) o.queue.push(data);
        continue;
      }
      const s = o.socket as Socket;
      if (s.writableLength > (this.#opts.maxBufferedBytes ?? 64 << 20)) continue;
      if (!corked.has(s)) {
        s.cork();
        corked.add(s);
      }
      s.write(data);
    }
    // Flushed now, not on the next tick: the caller may block on a synchronous fsync right after sending
    // (a leader replicating in parallel with its own write), and the followers should not wait for it.
    for (const s of corked) s.uncork();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const o of this.#out.values()) o.socket?.destroy();
    for (const s of this.#inbound) s.destroy();
    for (const s of this.#connecting) s.destroy();
    const server = this.#server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function toPem(value: string | Uint8Array): string | Buffer {
  return typeof value === "string" ? value : Buffer.from(value);
}

function commonName(cert: PeerCertificate | undefined): string | undefined {
  const cn = cert?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}
