import type { StateMachine } from "./raftNode.js";

/** A command of the example {@link KvStateMachine}. */
export type KvCommand = { op: "put"; key: string; value: string } | { op: "delete"; key: string };

/**
 * A small replicated key-value store: the example state machine the tests and the benchmark use.
 *
 * @example
 * const kv = new KvStateMachine();
 * const node = await RaftNode.create({ ..., stateMachine: kv });
 * await node.propose({ op: "put", key: "x", value: "1" });
 * const x = await node.read(() => kv.get("x"));
 */
export class KvStateMachine implements StateMachine<KvCommand, string | null> {
  #data = new Map<string, string>();

  /** Returns the previous value of the key. */
  apply(command: KvCommand): string | null {
    const prev = this.#data.get(command.key) ?? null;
    if (command.op === "put") this.#data.set(command.key, command.value);
    else this.#data.delete(command.key);
    return prev;
  }
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify([...this.#data]));
  }
  restore(snapshot: Uint8Array): void {
    this.#data = new Map(JSON.parse(new TextDecoder().decode(snapshot)) as [string, string][]);
  }
  /** The current value of a key (read it inside `node.read(...)` for linearizability). */
  get(key: string): string | null {
    return this.#data.get(key) ?? null;
  }
  /** Number of keys. */
  get size(): number {
    return this.#data.size;
  }
}
