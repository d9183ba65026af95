import type { Clock } from "../clock.js";
import type { ReplicatedLog } from "../state/replicatedLog.js";
import type { StateMachine } from "../state/stateMachine.js";

/** What an {@link Announcer} works with. */
export interface AnnouncerDeps {
  nodeId: string;
  log: ReplicatedLog;
  machine: StateMachine;
  clock: Clock;
  /** This node's API URL, as other nodes reach it. */
  apiUrl: string;
  /** The URL of this node's internal endpoints (its internal listener), announced to the others. */
  internalUrl?: string | undefined;
  /** This node's Raft address (`host:port`), if it listens for Raft traffic. */
  raftAddress?: string | undefined;
}

/** This node announcing its own addresses through the log (`node.announce`), whatever the engine. */
export class Announcer {
  readonly #deps: AnnouncerDeps;
  #announced = false;

  constructor(deps: AnnouncerDeps) {
    this.#deps = deps;
    deps.machine.onApply((command, result) => {
      if (result.ok && command.type === "node.announce" && command.node === deps.nodeId) {
        this.#announced = command.apiUrl === deps.apiUrl && command.internalUrl === deps.internalUrl;
      }
    });
  }

  /** Whether the log holds this node's current addresses. */
  get announced(): boolean {
    return this.#announced;
  }

  /** Announces this node's addresses through the log unless it holds them already. */
  announceIfNeeded(): void {
    const { machine, nodeId, apiUrl, internalUrl } = this.#deps;
    const announced = machine.member(nodeId);
    if (!this.#announced || announced?.apiUrl !== apiUrl || announced.internalUrl !== internalUrl)
      void this.#announce();
  }

  async #announce(): Promise<void> {
    this.#announced = true;
    const { log, nodeId, apiUrl, internalUrl, raftAddress, clock } = this.#deps;
    try {
      await log.propose({
        type: "node.announce",
        node: nodeId,
        apiUrl,
        ...(internalUrl ? { internalUrl } : {}),
        ...(raftAddress ? { raftAddress } : {}),
        at: clock.now(),
      });
    } catch {
      this.#announced = false;
    }
  }
}
