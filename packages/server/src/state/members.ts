import type { MemberRecord, OwnershipGrant } from "./records.js";
import type { Reducer } from "./reducer.js";

/**
 * The cluster as the log knows it: its nodes (where their API and Raft endpoints are; Raft's own
 * membership says whether they vote), and which node owns which module, with its fencing token.
 */
export class Members {
  readonly #members = new Map<string, MemberRecord>();
  readonly #grants = new Map<string, OwnershipGrant>();

  /** The nodes, by id. */
  list(): MemberRecord[] {
    return [...this.#members.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The nodes, in the order the log first learnt of them, for a snapshot. */
  all(): MemberRecord[] {
    return [...this.#members.values()];
  }

  /** One node, if the log knows it. */
  get(id: string): MemberRecord | undefined {
    return this.#members.get(id);
  }

  /** The owner of a module and its fencing token, if it has one. */
  grant(module: string): OwnershipGrant | undefined {
    return this.#grants.get(module);
  }

  /** Every ownership grant, in the order they were first given. */
  grants(): OwnershipGrant[] {
    return [...this.#grants.values()];
  }

  /**
   * Fencing (Kleppmann's fencing tokens; what Jepsen found missing in etcd-based locks): once a
   * module has an owner, only commands carrying that owner's current token change its monitors or
   * deliveries. A node that lost the module but has not noticed yet is refused here, whatever it
   * believes. Commands without a token are accepted only while the module has no owner (a log
   * written before ownership existed). Returns the reason of the refusal, if any.
   */
  stale(
    module: string,
    command: { owner?: string | undefined; token?: number | undefined },
  ): string | undefined {
    const grant = this.#grants.get(module);
    if (!grant) return command.token === undefined ? undefined : `module "${module}" has no owner now`;
    if (command.owner === grant.node && command.token === grant.token) return undefined;
    return `stale owner ${command.owner ?? "?"}/${command.token ?? "?"} for "${module}" (owner is ${grant.node}/${grant.token})`;
  }

  /** The node `id`'s record, created empty if the log does not know it yet; changes to it are kept. */
  upsert(id: string): MemberRecord {
    const member = this.#members.get(id) ?? { id };
    this.#members.set(id, member);
    return member;
  }

  /** Forgets a node; false if the log did not know it. */
  remove(id: string): boolean {
    return this.#members.delete(id);
  }

  /** Gives a module to a node, replacing its previous grant. */
  setGrant(grant: OwnershipGrant): void {
    this.#grants.set(grant.module, grant);
  }

  /** Forgets a module's owner; false if it had none. */
  release(module: string): boolean {
    return this.#grants.delete(module);
  }

  /** Replaces the nodes and grants by a snapshot's. */
  restore(members: MemberRecord[], grants: OwnershipGrant[]): void {
    this.#members.clear();
    this.#grants.clear();
    for (const m of members) this.#members.set(m.id, m);
    for (const g of grants) this.#grants.set(g.module, g);
  }
}

/** `node.announce`: a node says where its API (and internal endpoints) are. */
export const announceNode: Reducer<"node.announce"> = (state, command) => {
  const member = state.members.upsert(command.node);
  member.apiUrl = command.apiUrl;
  member.internalUrl = command.internalUrl;
  if (command.raftAddress !== undefined) member.raftAddress = command.raftAddress;
  return { ok: true };
};

/** `node.add`: every node learns a new node's Raft address. */
export const addNode: Reducer<"node.add"> = (state, command) => {
  state.members.upsert(command.node).raftAddress = command.raftAddress;
  return { ok: true };
};

/** `node.remove`. */
export const removeNode: Reducer<"node.remove"> = (state, command) => {
  if (!state.members.remove(command.node)) return { ok: false, reason: `no node ${command.node}` };
  return { ok: true };
};

/** `ownership.grant`: the grant's fencing token is the command's log index, so it only grows. */
export const grantOwnership: Reducer<"ownership.grant"> = (state, command, index) => {
  state.members.setGrant({
    module: command.module,
    node: command.node,
    token: index,
    handoff: command.handoff,
    at: command.at,
  });
  return { ok: true };
};

/** `ownership.release`. */
export const releaseOwnership: Reducer<"ownership.release"> = (state, command) => {
  if (!state.members.release(command.module))
    return { ok: false, reason: `module "${command.module}" has no owner` };
  return { ok: true };
};
