import { MessageHeap } from "./messageHeap.js";
import type { Rng } from "./rng.js";
import type { Message, NodeId } from "./types.js";

/**
 * The simulation's network: every message is delayed by a random while (which also reorders them), and,
 * while faults are on, may be dropped, duplicated, or stopped by a partition. All of its randomness is
 * drawn from the simulation's {@link Rng}, in the order the run makes its calls, so a seed replays.
 */
export class SimulationNetwork {
  readonly #rng: Rng;
  readonly #inFlight = new MessageHeap();
  #seq = 0;
  /** The group of every node while partitioned: messages cross no group boundary. */
  #partition: Map<NodeId, number> | null = null;
  #dropRate = 0;
  #dupRate = 0;

  constructor(rng: Rng) {
    this.#rng = rng;
  }

  /** Sends `m` at virtual time `now`: lost, or due once or twice between 1 and 30 units later. */
  send(m: Message, now: number): void {
    const r = this.#rng;
    if (this.#dropRate > 0 && r.chance(this.#dropRate)) return;
    const copies = this.#dupRate > 0 && r.chance(this.#dupRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.#inFlight.push({ at: now + r.int(1, 30), seq: this.#seq++, m });
    }
  }

  /** The next message due by `now` that the partition lets through, or undefined when none is due. */
  nextDue(now: number): Message | undefined {
    for (;;) {
      const top = this.#inFlight.peek();
      if (!top || top.at > now) return undefined;
      this.#inFlight.pop();
      const m = top.m;
      if (this.#partition && this.#partition.get(m.from) !== this.#partition.get(m.to)) continue;
      return m;
    }
  }

  /**
   * Draws this moment's network faults at `intensity` (a per-seed factor): a new partition of `nodes`
   * (often isolating the current `leader()` with a minority, so it keeps accepting doomed proposals), the
   * end of one, new loss and duplication rates. Returns what changed, for the trace.
   */
  injectFaults(nodes: NodeId[], leader: () => NodeId | undefined, intensity: number): string[] {
    const r = this.#rng;
    const changes: string[] = [];
    if (r.chance(0.002 * intensity)) {
      const lead = leader();
      const groups = new Map(nodes.map((id) => [id, r.int(0, 3)]));
      if (lead && r.chance(0.5)) groups.set(lead, 3);
      this.#partition = groups;
      changes.push(`partition ${JSON.stringify([...groups])}`);
    }
    if (this.#partition && r.chance(0.003 * intensity)) {
      this.#partition = null;
      changes.push("heal");
    }
    if (r.chance(0.002)) {
      this.#dropRate = r.chance(0.5) ? 0 : r.next() * 0.2;
      this.#dupRate = r.chance(0.5) ? 0 : r.next() * 0.1;
    }
    return changes;
  }

  /** Ends every network fault: the partition, loss and duplication. */
  heal(): void {
    this.#partition = null;
    this.#dropRate = 0;
    this.#dupRate = 0;
  }
}
