import type { HandlerGroup } from "./moduleDefinition.js";
import type { SampleStatus } from "./status.js";

/** What grouping reads of a notification. */
export interface Groupable {
  module: string;
  tags: readonly string[];
  to: SampleStatus;
}

/**
 * The values a notification is grouped by (`{ module: "shop", "tag:team": "payments" }`). A tag
 * `name:value` gives `value`, a bare tag `name` gives `name`, and a monitor without the tag groups
 * with the others that lack it (`""`).
 */
export function groupLabels(group: HandlerGroup, notification: Groupable): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const by of group.by) {
    if (by === "module") labels.module = notification.module;
    else if (by === "status") labels.status = notification.to;
    else {
      const name = by.slice("tag:".length);
      const tag = notification.tags.find((t) => t === name || t.startsWith(`${name}:`));
      labels[by] = tag === undefined ? "" : tag === name ? name : tag.slice(name.length + 1);
    }
  }
  return labels;
}

/**
 * When a group opened at `at` sends its message: after `waitMs` for a new group, or `intervalMs` after
 * the previous message of the same group (`previousAt`) when that one is more recent than the interval.
 * Either way no later than `at + max(waitMs, intervalMs)`: a resolve is never held longer.
 */
export function groupSendAt(group: HandlerGroup, at: number, previousAt?: number): number {
  if (previousAt !== undefined && previousAt + group.intervalMs > at) {
    return Math.max(at, previousAt + group.intervalMs);
  }
  return at + group.waitMs;
}
