import { createHmac, timingSafeEqual } from "node:crypto";
import { jsonFrame } from "./tcpFrames.js";
import type { NodeId } from "./types.js";

/** Largest handshake frame; anything bigger before authentication closes the connection. */
export const HANDSHAKE_MAX = 4096;
const PROTOCOL = "amstaff-raft/1";

/**
 * The HMAC-SHA256 challenge-response by which two nodes prove to each other that they hold the cluster
 * secret: the listener sends a challenge nonce, the dialler answers with a hello carrying its own nonce
 * and a MAC over both, and the listener replies with a welcome MAC'd the other way round. Each MAC names
 * its direction, both ends and both nonces, so none can be replayed on another connection or reflected.
 */
export class PeerHandshake {
  readonly #id: NodeId;
  readonly #secret: Buffer;

  constructor(id: NodeId, secret: Buffer) {
    this.#id = id;
    this.#secret = secret;
  }

  #mac(...parts: string[]): Buffer {
    return createHmac("sha256", this.#secret).update(parts.join("|")).digest();
  }

  /** Listener: the first frame of a connection. */
  challenge(serverNonce: string): Buffer {
    return jsonFrame({ t: "challenge", nonce: serverNonce });
  }

  /** Listener: checks a dialler's hello against our challenge; throws unless it proves the secret. */
  verifyHello(f: Buffer, serverNonce: string): { from: NodeId; nonce: string } {
    const hello = JSON.parse(f.toString("utf8")) as Record<string, unknown>;
    const from = hello.from;
    const nonce = hello.nonce;
    const mac = typeof hello.mac === "string" ? Buffer.from(hello.mac, "hex") : Buffer.alloc(0);
    if (
      hello.t !== "hello" ||
      typeof from !== "string" ||
      typeof nonce !== "string" ||
      hello.to !== this.#id
    ) {
      throw new Error("bad hello");
    }
    const want = this.#mac(PROTOCOL, "hello", from, this.#id, serverNonce, nonce);
    if (mac.length !== want.length || !timingSafeEqual(mac, want))
      throw new Error("peer failed authentication");
    return { from, nonce };
  }

  /** Listener: the welcome that proves the secret back to an authenticated dialler. */
  welcome(from: NodeId, clientNonce: string, serverNonce: string): Buffer {
    return jsonFrame({
      t: "welcome",
      mac: this.#mac(PROTOCOL, "welcome", this.#id, from, clientNonce, serverNonce).toString("hex"),
    });
  }

  /** Dialler: answers the listener's challenge; returns its nonce and our hello. */
  answerChallenge(f: Buffer, to: NodeId, clientNonce: string): { serverNonce: string; hello: Buffer } {
    const msg = JSON.parse(f.toString("utf8")) as Record<string, unknown>;
    if (msg.t !== "challenge" || typeof msg.nonce !== "string") throw new Error("bad challenge");
    const serverNonce = msg.nonce;
    const hello = jsonFrame({
      t: "hello",
      from: this.#id,
      to,
      nonce: clientNonce,
      mac: this.#mac(PROTOCOL, "hello", this.#id, to, serverNonce, clientNonce).toString("hex"),
    });
    return { serverNonce, hello };
  }

  /** Dialler: checks the listener's welcome; throws unless it proves the secret. */
  verifyWelcome(f: Buffer, to: NodeId, clientNonce: string, serverNonce: string): void {
    const msg = JSON.parse(f.toString("utf8")) as Record<string, unknown>;
    const mac = typeof msg.mac === "string" ? Buffer.from(msg.mac, "hex") : Buffer.alloc(0);
    const want = this.#mac(PROTOCOL, "welcome", to, this.#id, clientNonce, serverNonce);
    if (msg.t !== "welcome" || mac.length !== want.length || !timingSafeEqual(mac, want)) {
      throw new Error("peer failed authentication");
    }
  }
}
