import { createHmac, timingSafeEqual } from "node:crypto";
import { jsonFrame } from "./tcpFrames.js";
import type { NodeId } from "./types.js";
import { chooseProtocol, type WireProtocol } from "./wireProtocols.js";

/** Largest handshake frame; anything bigger before authentication closes the connection. */
export const HANDSHAKE_MAX = 4096;
const V1 = "amstaff-raft/1";
// v1's MACs begin with "amstaff-raft/1"; those over a protocol list begin with this label instead, so no
// MAC of one kind can pass for one of the other.
const NEGOTIATION = "amstaff-raft";
const MAX_PROTOCOLS = 16;
const PROTOCOL_NAME = /^[\w./-]{1,64}$/;

/** A handshake that ended because the two nodes share no wire protocol (a rolling upgrade that skipped a release). */
export class ProtocolMismatchError extends Error {
  constructor(peer: NodeId, theirs: readonly string[], ours: readonly string[]) {
    super(
      `peer ${peer} speaks ${theirs.join(", ")}, this node ${ours.join(", ")}: upgrade one release at a time`,
    );
    this.name = "ProtocolMismatchError";
  }
}

/** A dialler's authenticated hello. */
export interface Hello {
  from: NodeId;
  nonce: string;
  /** The protocols it offers; `null` for a node before `amstaff-raft/2`, whose hello lists none (it speaks v1). */
  protocols: string[] | null;
}

/** The listener's answer to a hello: a welcome naming the protocol, or a refusal naming ours. */
export type HelloAnswer =
  | { frame: Buffer; protocol: WireProtocol }
  | { frame: Buffer; refused: ProtocolMismatchError };

function parse(f: Buffer): Record<string, unknown> {
  const v: unknown = JSON.parse(f.toString("utf8"));
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("bad handshake frame");
  return v as Record<string, unknown>;
}

function protocolList(v: unknown): string[] {
  if (
    !Array.isArray(v) ||
    v.length === 0 ||
    v.length > MAX_PROTOCOLS ||
    !v.every((p) => typeof p === "string" && PROTOCOL_NAME.test(p))
  )
    throw new Error("bad protocol list");
  return v as string[];
}

/**
 * The HMAC-SHA256 challenge-response by which two nodes prove to each other that they hold the cluster
 * secret, and settle on a wire protocol: the listener sends a challenge nonce, the dialler answers with a
 * hello carrying its own nonce, the protocols it speaks and MACs over them, and the listener replies with a
 * welcome naming the highest protocol both speak (or a refusal naming its own), MAC'd the other way round.
 * Each MAC names its direction, both ends and both nonces, so none can be replayed on another connection
 * or reflected.
 *
 * Compatibility with nodes before `amstaff-raft/2`: their hello lists no protocols and is MAC'd over
 * `amstaff-raft/1`; such a hello gets their welcome, and the connection speaks v1. A hello that offers v1
 * carries that MAC too (an older listener ignores the rest and verifies it as theirs), and a welcome that
 * names no protocol is such a listener's: the dialler then speaks v1.
 */
export class PeerHandshake {
  readonly #id: NodeId;
  readonly #secret: Buffer;
  readonly #protocols: readonly WireProtocol[];

  constructor(id: NodeId, secret: Buffer, protocols: readonly WireProtocol[]) {
    this.#id = id;
    this.#secret = secret;
    this.#protocols = protocols;
  }

  #mac(...parts: string[]): Buffer {
    return createHmac("sha256", this.#secret).update(parts.join("|")).digest();
  }

  #check(mac: unknown, ...parts: string[]): void {
    const got = typeof mac === "string" ? Buffer.from(mac, "hex") : Buffer.alloc(0);
    const want = this.#mac(...parts);
    if (got.length !== want.length || !timingSafeEqual(got, want))
      throw new Error("peer failed authentication");
  }

  /** Listener: the first frame of a connection. */
  challenge(serverNonce: string): Buffer {
    return jsonFrame({ t: "challenge", nonce: serverNonce });
  }

  /** Listener: checks a dialler's hello against our challenge; throws unless it proves the secret. */
  verifyHello(f: Buffer, serverNonce: string): Hello {
    const hello = parse(f);
    const { from, nonce } = hello;
    if (hello.t !== "hello" || typeof from !== "string" || typeof nonce !== "string" || hello.to !== this.#id)
      throw new Error("bad hello");
    if (hello.protos === undefined) {
      this.#check(hello.mac, V1, "hello", from, this.#id, serverNonce, nonce);
      return { from, nonce, protocols: null };
    }
    const protocols = protocolList(hello.protos);
    const offered = protocols.join(",");
    this.#check(hello.pmac, NEGOTIATION, "hello", offered, from, this.#id, serverNonce, nonce);
    if (hello.mac !== undefined) this.#check(hello.mac, V1, "hello", from, this.#id, serverNonce, nonce);
    return { from, nonce, protocols };
  }

  /** Listener: the welcome (or refusal) that answers an authenticated hello. */
  answerHello(hello: Hello, serverNonce: string): HelloAnswer {
    const { from, nonce } = hello;
    const protocol = chooseProtocol(this.#protocols, hello.protocols ?? [V1]);
    if (protocol === undefined) {
      const ours = this.#protocols.join(",");
      const frame = jsonFrame({
        t: "refused",
        protos: this.#protocols,
        mac: this.#mac(NEGOTIATION, "refused", ours, this.#id, from, nonce, serverNonce).toString("hex"),
      });
      return { frame, refused: new ProtocolMismatchError(from, hello.protocols ?? [V1], this.#protocols) };
    }
    const mac =
      hello.protocols === null
        ? this.#mac(V1, "welcome", this.#id, from, nonce, serverNonce)
        : this.#mac(NEGOTIATION, "welcome", protocol, this.#id, from, nonce, serverNonce);
    const welcome = hello.protocols === null ? { t: "welcome" } : { t: "welcome", proto: protocol };
    return { frame: jsonFrame({ ...welcome, mac: mac.toString("hex") }), protocol };
  }

  /** Dialler: answers the listener's challenge; returns its nonce and our hello. */
  answerChallenge(f: Buffer, to: NodeId, clientNonce: string): { serverNonce: string; hello: Buffer } {
    const msg = parse(f);
    if (msg.t !== "challenge" || typeof msg.nonce !== "string") throw new Error("bad challenge");
    const serverNonce = msg.nonce;
    const offered = this.#protocols.join(",");
    const hello = jsonFrame({
      t: "hello",
      from: this.#id,
      to,
      nonce: clientNonce,
      protos: this.#protocols,
      pmac: this.#mac(NEGOTIATION, "hello", offered, this.#id, to, serverNonce, clientNonce).toString("hex"),
      ...(this.#protocols.includes(V1)
        ? { mac: this.#mac(V1, "hello", this.#id, to, serverNonce, clientNonce).toString("hex") }
        : {}),
    });
    return { serverNonce, hello };
  }

  /**
   * Dialler: checks the listener's answer and returns the protocol it chose; throws unless it proves the
   * secret, and a {@link ProtocolMismatchError} for an authenticated refusal.
   */
  verifyWelcome(f: Buffer, to: NodeId, clientNonce: string, serverNonce: string): WireProtocol {
    const msg = parse(f);
    if (msg.t === "refused") {
      const theirs = protocolList(msg.protos);
      this.#check(msg.mac, NEGOTIATION, "refused", theirs.join(","), to, this.#id, clientNonce, serverNonce);
      throw new ProtocolMismatchError(to, theirs, this.#protocols);
    }
    if (msg.t !== "welcome") throw new Error("peer failed authentication");
    if (msg.proto === undefined) {
      // A listener before amstaff-raft/2: it verified our v1 MAC (sent only when we speak v1).
      if (!this.#protocols.includes(V1)) throw new Error("peer failed authentication");
      this.#check(msg.mac, V1, "welcome", to, this.#id, clientNonce, serverNonce);
      return V1;
    }
    if (typeof msg.proto !== "string") throw new Error("bad welcome");
    this.#check(msg.mac, NEGOTIATION, "welcome", msg.proto, to, this.#id, clientNonce, serverNonce);
    const protocol = this.#protocols.find((p) => p === msg.proto);
    if (protocol === undefined) throw new Error(`peer chose ${msg.proto}, which this node did not offer`);
    return protocol;
  }
}
