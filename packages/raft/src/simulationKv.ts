import type { Entry } from "./types.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The one command of the simulated key-value store. */
export interface KvCommand {
  op: "put";
  key: string;
  value: string;
}

/** Encodes a client command as a log entry payload. */
export function encodeKvCommand(cmd: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}
/** Decodes a log entry payload written by {@link encodeKvCommand}. */
export function decodeKvCommand(data: Uint8Array): KvCommand {
  return JSON.parse(decoder.decode(data)) as KvCommand;
}

/** What identifies an entry across nodes at one index (its term, type and payload). */
export function entryKey(e: Entry): string {
  return `${e.term}:${e.type}:${decoder.decode(e.data)}`;
}

/** Encodes the store as a snapshot. */
export function encodeKv(kv: Map<string, string>): Uint8Array {
  return encoder.encode(JSON.stringify([...kv].sort()));
}
/** Decodes a snapshot written by {@link encodeKv}. */
export function decodeKv(data: Uint8Array): Map<string, string> {
  return new Map(JSON.parse(decoder.decode(data)) as [string, string][]);
}
