import type { Message } from "./types.js";

/**
 * Moves messages between nodes. Delivery is best effort: messages may be lost, duplicated or reordered
 * (Raft tolerates all three), but must arrive intact.
 */
export interface RaftTransport {
  /**
   * Starts delivering incoming messages to `handler`. A transport that delivers several messages in one
   * synchronous run (every frame of one socket read) should call `delivered` after the run's last one: the
   * node then handles all they brought at once, as one Ready, within that call. Without it, the node handles
   * each run on the next tick (`process.nextTick`).
   */
  listen(handler: (message: Message) => void, delivered?: () => void): void | Promise<void>;
  /** Queues messages for sending; never throws and never blocks. */
  send(messages: Message[]): void;
  /** Stops sending and receiving. */
  close(): void | Promise<void>;
}
