import { groupLabels, groupSendAt, type HandlerSpec, type SampleStatus } from "@amstaff/core";

/** One message of a grouping handler, as {@link Simulation.groups} shows it. */
export interface SimulatedGroup {
  /** `group-1`, `group-2`, ... in the order they opened. */
  id: string;
  /** When the message is sent: after the group's `wait`, or its `interval` after the previous one. */
  at: number;
  plugin: string;
  options: unknown;
  /** The values the group is grouped by (`{ module: "shop" }`). */
  labels: Record<string, string>;
  /** Its notifications, as `monitor: from → to` (e.g. `"API: ok → critical"`), in commit order. */
  notifications: string[];
}

/**
 * The groups a server forms of grouping handlers' notifications (see `state/groups.ts` in the server):
 * the same labels and send times, from `@amstaff/core`. A notification joins its key's group until
 * that group is sent.
 */
export class SimulatedGroups {
  readonly #groups: (SimulatedGroup & { key: string })[] = [];

  /** Every group so far, oldest first (those not yet sent included: their `at` is still ahead). */
  list(): SimulatedGroup[] {
    return this.#groups.map(({ key: _key, ...group }) => group);
  }

  /** Puts a notification of a grouping handler into its group; returns the group's id. */
  add(
    handler: HandlerSpec & { group: NonNullable<HandlerSpec["group"]> },
    notification: { module: string; tags: string[]; monitor: string; from: string; to: SampleStatus },
    at: number,
  ): string {
    const labels = groupLabels(handler.group, notification);
    const key = JSON.stringify([handler.plugin, handler.options, handler.group, labels]);
    const same = this.#groups.filter((g) => g.key === key);
    const previous = same.at(-1);
    let group = previous && at < previous.at ? previous : undefined;
    if (!group) {
      group = {
        id: `group-${this.#groups.length + 1}`,
        key,
        at: groupSendAt(handler.group, at, previous?.at),
        plugin: handler.plugin,
        options: handler.options,
        labels,
        notifications: [],
      };
      this.#groups.push(group);
    }
    group.notifications.push(`${notification.monitor}: ${notification.from} → ${notification.to}`);
    return group.id;
  }
}
