import { decodeBinaryMessage, encodeBinaryMessage } from "./binaryMessageCodec.js";
import { RaftError, RaftErrorCode } from "./errors.js";
import { decodeMessage, encodeMessage } from "./messageCodec.js";
import type { Message } from "./types.js";

/** The wire protocols this package speaks, highest first: the handshake settles on one per connection. */
export const WIRE_PROTOCOLS = ["amstaff-raft/2", "amstaff-raft/1"] as const;
/** @see WIRE_PROTOCOLS */
export type WireProtocol = (typeof WIRE_PROTOCOLS)[number];

/** How the messages of one connection are written and read (after the handshake). */
export interface WireCodec {
  /** A message as bytes; with `framed`, behind the 4-byte length of the whole. */
  encode(m: Message, framed?: boolean): Buffer;
  /** A frame's bytes back as a message; throws on anything malformed or hostile. */
  decode(frame: Uint8Array): Message;
}

const CODECS: Record<WireProtocol, WireCodec> = {
  "amstaff-raft/2": { encode: encodeBinaryMessage, decode: decodeBinaryMessage },
  "amstaff-raft/1": { encode: encodeMessage, decode: decodeMessage },
};

/** The codec of a negotiated protocol. */
export function wireCodec(protocol: WireProtocol): WireCodec {
  return CODECS[protocol];
}

/** Whether `name` is a protocol this package speaks. */
export function isWireProtocol(name: unknown): name is WireProtocol {
  return (WIRE_PROTOCOLS as readonly unknown[]).includes(name);
}

/** The highest protocol in both lists, or `undefined` when they share none. */
export function chooseProtocol(
  ours: readonly WireProtocol[],
  theirs: readonly string[],
): WireProtocol | undefined {
  return WIRE_PROTOCOLS.find((p) => ours.includes(p) && theirs.includes(p));
}

/** Validates the `protocols` option: a non-empty list of known protocols, without repeats. */
export function checkProtocols(protocols: readonly string[]): WireProtocol[] {
  if (protocols.length === 0 || new Set(protocols).size !== protocols.length)
    throw new RaftError(
      RaftErrorCode.InvalidOption,
      `the protocols option must list at least one wire protocol, each once; got [${protocols.join(", ")}]`,
    );
  for (const p of protocols)
    if (!isWireProtocol(p))
      throw new RaftError(
        RaftErrorCode.InvalidOption,
        `unknown wire protocol "${p}" in the protocols option: this node speaks ${WIRE_PROTOCOLS.join(", ")}`,
      );
  return [...(protocols as WireProtocol[])];
}
