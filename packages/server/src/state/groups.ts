import { groupLabels, groupSendAt, type HandlerSpec } from "@amstaff/core";
import type { DeliveryRecord, GroupRecord, TransitionRecord } from "./records.js";

/**
 * The groups of a grouping handler's deliveries (`HandlerSpec.group`). A group collects the deliveries
 * committed until its first attempt is claimed; it is then sent as one, with the claim-before-send
 * protocol of a single delivery, and its outcome settles every member. Membership and send time are
 * decided here, in log order, from the commands' times: every node forms the same groups.
 */
export class GroupBook {
  readonly #groups = new Map<string, GroupRecord>();

  /** One group, while it is kept. */
  get(id: string): GroupRecord | undefined {
    return this.#groups.get(id);
  }

  /** Groups still to be sent, oldest first. */
  pending(): GroupRecord[] {
    return [...this.#groups.values()].filter((g) => g.status === "pending");
  }

  /** Every group kept, oldest first, for a snapshot. */
  all(): GroupRecord[] {
    return [...this.#groups.values()];
  }

  /**
   * Puts each new delivery of a grouping handler into its group: the one still collecting (not yet
   * claimed) for the same module, handler and labels, else a new one. An `acknowledged` notification
   * is never grouped: it exists to stop a pager at once.
   */
  assign(transition: TransitionRecord, deliveries: DeliveryRecord[]): void {
    if (transition.kind === "acknowledged") return;
    for (const delivery of deliveries) {
      const group = delivery.handler.group;
      if (!group) continue;
      const labels = groupLabels(group, transition);
      const key = JSON.stringify([transition.module, handlerIdentity(delivery.handler), labels]);
      const same = [...this.#groups.values()].filter((g) => g.key === key);
      let open = same.find((g) => g.status === "pending" && g.claimed === undefined);
      if (!open) {
        const previous = same.at(-1);
        open = {
          id: `${delivery.id}-group`,
          key,
          module: transition.module,
          labels,
          handler: delivery.handler,
          members: [],
          openedAt: transition.at,
          dueAt: groupSendAt(group, transition.at, previous?.dueAt),
          status: "pending",
          attempts: 0,
          nextAttemptAt: 0,
        };
        open.nextAttemptAt = open.dueAt;
        // Only the newest settled group of a key matters (its send time paces the next one).
        for (const old of same) if (old.status !== "pending") this.#groups.delete(old.id);
        this.#groups.set(open.id, open);
      }
      open.members.push(delivery.id);
      delivery.group = open.id;
      delivery.nextAttemptAt = open.dueAt;
    }
  }

  /** Replaces every group by a snapshot's. */
  restore(groups: GroupRecord[]): void {
    this.#groups.clear();
    for (const g of groups) this.#groups.set(g.id, g);
  }
}

/** A handler's identity across monitors: the same plugin, options and grouping. */
const handlerIdentity = (handler: HandlerSpec) =>
  JSON.stringify({ plugin: handler.plugin, options: handler.options, group: handler.group });
