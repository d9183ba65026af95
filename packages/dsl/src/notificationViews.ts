import { isDeepStrictEqual } from "node:util";
import type { PluginSpec } from "@amstaff/core";
import type { SimulatedNotification } from "./simulationTypes.js";

/**
 * Whether a notification went to `handler`, the value the module used: the same plugin, and the options
 * written match (a plugin may add defaulted options of its own).
 */
export function sentTo(n: SimulatedNotification, handler: PluginSpec): boolean {
  const wanted = handler.options;
  if (n.plugin !== handler.plugin) return false;
  if (typeof wanted !== "object" || wanted === null || typeof n.options !== "object" || n.options === null) {
    return isDeepStrictEqual(n.options, wanted);
  }
  const actual = n.options as Record<string, unknown>;
  return Object.entries(wanted).every(([key, value]) => isDeepStrictEqual(actual[key], value));
}

/** A notification as one line of {@link Simulation.timeline}. */
export function timelineLine(n: SimulatedNotification): string {
  const what =
    n.kind === "transition"
      ? `${n.from} → ${n.to}`
      : n.kind === "flapping"
        ? `flapping (${n.to})`
        : `${n.kind} (${n.to})`;
  return `${n.elapsed} ${n.monitor}: ${what} to #${n.handler} ${n.plugin}`;
}
