import type { Message } from "./types.js";

/**
 * Moves messages between nodes. Delivery is best effort: messages may be lost, duplicated or reordered
 * (Raft tolerates all three), but must arrive intact.
 */
export interface RaftTransport {
  /** Starts delivering incoming messages to `handler`. */
  listen(handler: (message: Message) => void): void | Promise<void>;
  /** Queues messages for sending; never throws and never blocks. */
  send(messages: Message[]): void;
  /** Stops sending and receiving. */
  close(): void | Promise<void>;
}
