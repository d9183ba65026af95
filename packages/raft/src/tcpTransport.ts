import { randomBytes } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { type TLSSocket, connect as tlsConnect, createServer as tlsCreateServer } from "node:tls";
import { type RaftClock, systemClock } from "./clock.js";
import { RaftError, RaftErrorCode } from "./errors.js";
import { FrameReader } from "./tcpFrames.js";
import { HANDSHAKE_MAX, PeerHandshake, ProtocolMismatchError } from "./tcpHandshake.js";
import { commonName, tlsClientOptions, tlsServerOptions } from "./tcpTls.js";
import type { PeerAddress, TcpTransportOptions } from "./tcpTransportOptions.js";
import type { RaftTransport } from "./transport.js";
import type { Message, NodeId } from "./types.js";
import {
  checkProtocols,
  WIRE_PROTOCOLS,
  type WireCodec,
  type WireProtocol,
  wireCodec,
} from "./wireProtocols.js";
import { type TraceHop, type WriteTracer, writeTrace } from "./writeTrace.js";

export type * from "./tcpTransportOptions.js";

interface Outbound {
  socket: Socket | null;
  /** The protocol of the open connection; null until its handshake is done. */
  protocol: WireProtocol | null;
  codec: WireCodec | null;
  /** Messages sent while connecting, encoded once the protocol is known. */
  queue: Message[];
  backoff: number;
  nextAttempt: number;
}

/** Traces an AppendEntries that carries entries (by its last index) or its response (by the index it acknowledges). */
function traceMessage(trace: WriteTracer, m: Message, append: TraceHop, response: TraceHop): void {
  if (m.type === "app" && m.entries?.length) trace(append, m.entries.at(-1)!.index);
  else if (m.type === "appResp" && !m.reject) trace(response, m.index ?? 0);
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
  readonly #handshake: PeerHandshake;
  readonly #protocols: WireProtocol[];
  readonly #opts: TcpTransportOptions;
  readonly #clock: RaftClock;
  readonly #peers = new Map<NodeId, PeerAddress>();
  readonly #out = new Map<NodeId, Outbound>();
  readonly #inbound = new Set<Socket>();
  readonly #connecting = new Set<Socket>();
  #server: Server | null = null;
  #handler: ((m: Message) => void) | null = null;
  #delivered: (() => void) | undefined;
  #closed = false;

  constructor(options: TcpTransportOptions) {
    this.id = options.id;
    this.#opts = options;
    this.#clock = options.clock ?? systemClock;
    const secret = Buffer.from(options.secret);
    if (secret.length < 16)
      throw new RaftError(RaftErrorCode.InvalidOption, "the cluster secret must be at least 16 bytes");
    this.#protocols = checkProtocols(options.protocols ?? WIRE_PROTOCOLS);
    this.#handshake = new PeerHandshake(options.id, secret, this.#protocols);
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

  /** The wire protocol of the open outbound connection to `peer`, if there is one. */
  protocol(peer: NodeId): WireProtocol | undefined {
    return this.#out.get(peer)?.protocol ?? undefined;
  }

  #warn(message: string, details?: Record<string, unknown>): void {
    this.#opts.logger?.warn(message, details);
  }

  /** `m` as a frame of `codec`, or null (logged) for a message no codec can write: `send` never throws. */
  #encode(codec: WireCodec, m: Message): Buffer | null {
    try {
      return codec.encode(m, true);
    } catch (error) {
      this.#warn("raft transport dropped a message it could not encode", {
        peer: m.to,
        type: m.type,
        reason: error instanceof Error ? error.message : String(error),
      });
      return null;
    }
  }

  /** Binds the listening socket (once) and (re)sets the handler of incoming messages. */
  async listen(handler: (message: Message) => void, delivered?: () => void): Promise<void> {
    this.#handler = handler;
    this.#delivered = delivered;
    if (this.#server) return;
    const tls = this.#opts.tls;
    const server = tls
      ? tlsCreateServer(tlsServerOptions(tls, this.#opts.handshakeTimeoutMs ?? 5000), (socket) =>
          this.#accept(socket),
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
    let codec: WireCodec | null = null;
    let refused = false;
    // A guard of the socket, not a decision: a peer that never completes the handshake is dropped
    // after `handshakeTimeoutMs` of real time, whatever clock drives the backoff.
    const timer = setTimeout(() => {
      this.#warn("raft peer handshake timed out", { remote: socket.remoteAddress });
      socket.destroy();
    }, this.#opts.handshakeTimeoutMs ?? 5000);
    /** Messages delivered from the current read. */
    let inRead = 0;
    const reader = new FrameReader(
      () => (peer === null ? HANDSHAKE_MAX : (this.#opts.maxFrameBytes ?? 64 << 20)),
      (f) => {
        if (refused) throw new Error("frame after a refused handshake");
        if (codec === null) {
          const hello = this.#handshake.verifyHello(f, serverNonce);
          const { from } = hello;
          if (this.#opts.tls && this.#opts.tls.verifyNodeId !== false) {
            const name = commonName((socket as TLSSocket).getPeerCertificate());
            if (name !== from) throw new Error(`peer "${from}" presented the certificate of "${name}"`);
          }
          const answer = this.#handshake.answerHello(hello, serverNonce);
          if ("refused" in answer) {
            // The refusal reaches the dialler before the close; the handshake timer ends a peer that lingers.
            refused = true;
            this.#warn(answer.refused.message, { remote: socket.remoteAddress, peer: from });
            socket.end(answer.frame);
            return;
          }
          peer = from;
          codec = wireCodec(answer.protocol);
          clearTimeout(timer);
          socket.write(answer.frame);
          return;
        }
        const m = codec.decode(f);
        if (m.from !== peer || m.to !== this.id) throw new Error("message addressed from/to the wrong node");
        if (writeTrace) traceMessage(writeTrace, m, "followerRead", "leaderResponseRead");
        inRead++;
        this.#handler?.(m);
      },
    );
    socket.on("data", (chunk: Buffer) => {
      inRead = 0;
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
      // After the messages of the whole read (those before a bad frame too): handled as one batch.
      if (inRead > 0) this.#delivered?.();
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      clearTimeout(timer);
      this.#inbound.delete(socket);
    });
    socket.write(this.#handshake.challenge(serverNonce));
  }

  #connect(to: NodeId, o: Outbound): void {
    const addr = this.#peers.get(to);
    if (!addr || this.#closed) return;
    const tls = this.#opts.tls;
    const socket = tls
      ? tlsConnect(tlsClientOptions(tls, addr.host, addr.port, to))
      : connect({ host: addr.host, port: addr.port });
    socket.setNoDelay(true);
    o.socket = socket;
    o.protocol = null;
    o.codec = null;
    const clientNonce = randomBytes(16).toString("hex");
    let state: "challenge" | "welcome" | "answered" | "open" = "challenge";
    let serverNonce = "";
    // A guard of the socket (as in #accept): a handshake that hangs frees its connection.
    const timer = setTimeout(() => socket.destroy(), this.#opts.handshakeTimeoutMs ?? 5000);
    const reader = new FrameReader(
      () => HANDSHAKE_MAX,
      (f) => {
        if (state === "challenge") {
          const answer = this.#handshake.answerChallenge(f, to, clientNonce);
          serverNonce = answer.serverNonce;
          state = "welcome";
          socket.write(answer.hello);
        } else if (state === "welcome") {
          state = "answered";
          const protocol = this.#handshake.verifyWelcome(f, to, clientNonce, serverNonce);
          state = "open";
          clearTimeout(timer);
          o.protocol = protocol;
          const codec = wireCodec(protocol);
          o.codec = codec;
          o.backoff = 0;
          socket.cork();
          for (const m of o.queue) {
            const data = this.#encode(codec, m);
            if (data) socket.write(data);
          }
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
        if (error instanceof ProtocolMismatchError) this.#warn(error.message, { peer: to });
        else
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
        if (state === "welcome" && !this.#closed)
          this.#warn("raft peer closed the connection after our hello", {
            peer: to,
            reason: `it refused our secret, or it is older than amstaff-raft/2 and this node does not offer amstaff-raft/1 (this node: ${this.#protocols.join(", ")})`,
          });
        o.socket = null;
        o.protocol = null;
        o.codec = null;
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
        o = { socket: null, protocol: null, codec: null, queue: [], backoff: 0, nextAttempt: 0 };
        this.#out.set(m.to, o);
      }
      if (!o.socket) {
        if (this.#clock.now() < o.nextAttempt) continue;
        this.#connect(m.to, o);
        if (!o.socket) continue;
      }
      if (o.codec === null) {
        if (o.queue.length < (this.#opts.maxQueuedMessages ?? 4096)) o.queue.push(m);
        continue;
      }
      const s = o.socket as Socket;
      if (s.writableLength > (this.#opts.maxBufferedBytes ?? 64 << 20)) continue;
      const data = this.#encode(o.codec, m);
      if (!data) continue;
      if (!corked.has(s)) {
        s.cork();
        corked.add(s);
      }
      s.write(data);
      if (writeTrace) traceMessage(writeTrace, m, "appendSent", "responseSent");
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
