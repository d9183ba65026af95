import type { ModuleDefinition, MonitorDefinition } from "@amstaff/core";

// A module revision's definition is never changed once stored, so its index is built once, on first use,
// and goes with the revision. Without it every monitor of a push looked itself up in a list of all of
// them: O(n²) for a module of n monitors, on every node.
const indexes = new WeakMap<ModuleDefinition, Map<string, MonitorDefinition>>();

/** The definition of one monitor of a module revision, by name (a name is unique in its module). */
export function monitorDefinition(
  definition: ModuleDefinition | undefined,
  monitor: string,
): MonitorDefinition | undefined {
  if (definition === undefined) return undefined;
  let index = indexes.get(definition);
  if (index === undefined) {
    index = new Map();
    // The first of a name wins, as `monitors.find` did, should a definition ever repeat one.
    for (const m of definition.monitors) if (!index.has(m.name)) index.set(m.name, m);
    indexes.set(definition, index);
  }
  return index.get(monitor);
}
