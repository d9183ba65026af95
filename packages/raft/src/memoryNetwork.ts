import { Rng } from "./rng.js";
import type { RaftTransport } from "./transport.js";
import type { Message, NodeId } from "./types.js";

/** Fault injection of a {@link MemoryNetwork}; all randomness comes from `seed`. */
export interface MemoryNetworkOptions {
  /** @default 1 */
  seed?: number;
  /** Probability that a message is lost. @default 0 */
  dropRate?: number;
  /** Probability that a message is delivered twice. @default 0 */
  duplicateRate?: number;
  /** Each delivery is delayed by a random 0..maxDelayMs, which also reorders messages. @default 0 */
  maxDelayMs?: number;
}

/**
 * An in-process network for tests and examples: messages are delivered asynchronously, optionally
 * delayed (hence reordered), dropped and duplicated from a seed; nodes can be isolated or partitioned.
 *
 * @example
 * const net = new MemoryNetwork();
 * const transportA = net.transport("a");
 */
export class MemoryNetwork {
  readonly #handlers = new Map<NodeId, (m: Message) => void>();
  readonly #isolated = new Set<NodeId>();
  readonly #cuts = new Set<string>();
  readonly #rng: Rng;
  readonly #opts: MemoryNetworkOptions;

  constructor(options: MemoryNetworkOptions = {}) {
    this.#opts = options;
    this.#rng = new Rng(options.seed ?? 1);
  }

  #blocked(m: Message): boolean {
    return this.#isolated.has(m.from) || this.#isolated.has(m.to) || this.#cuts.has(`${m.from}>${m.to}`);
  }

  /** The transport of node `id`. */
  transport(id: NodeId): RaftTransport {
    return {
      listen: (handler, delivered) => {
        this.#handlers.set(id, (m) => {
          handler(m);
          delivered?.();
        });
      },
      send: (messages) => {
        const { dropRate = 0, duplicateRate = 0, maxDelayMs = 0 } = this.#opts;
        for (const m of messages) {
          if (this.#blocked(m)) continue;
          if (dropRate > 0 && this.#rng.chance(dropRate)) continue;
          const copies = duplicateRate > 0 && this.#rng.chance(duplicateRate) ? 2 : 1;
          for (let i = 0; i < copies; i++) {
            const deliver = () => {
              if (!this.#blocked(m)) this.#handlers.get(m.to)?.(m);
            };
            if (maxDelayMs > 0) setTimeout(deliver, this.#rng.int(0, maxDelayMs + 1));
            else setImmediate(deliver);
          }
        }
      },
      close: () => {
        this.#handlers.delete(id);
      },
    };
  }
  /** Cuts `id` off from every other node. */
  isolate(id: NodeId): void {
    this.#isolated.add(id);
  }
  /** Splits the nodes into groups that cannot talk to each other (nodes in no group are unaffected). */
  partition(...groups: NodeId[][]): void {
    for (const g of groups) {
      for (const h of groups) {
        if (g === h) continue;
        for (const a of g) for (const b of h) this.#cuts.add(`${a}>${b}`);
      }
    }
  }
  /** Reconnects every isolated node and removes every partition. */
  heal(): void {
    this.#isolated.clear();
    this.#cuts.clear();
  }
}
