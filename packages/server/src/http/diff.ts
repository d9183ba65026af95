import type { ModuleDefinition } from "@amstaff/core";

/** What a push changes, monitor by monitor. */
export interface ModuleDiff {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}

/** What a push changes, monitor by monitor. */
export function diffModules(before: ModuleDefinition | undefined, after: ModuleDefinition): ModuleDiff {
  const old = new Map(before?.monitors.map((m) => [m.name, JSON.stringify(m)]));
  const next = new Map(after.monitors.map((m) => [m.name, JSON.stringify(m)]));
  return {
    added: [...next.keys()].filter((n) => !old.has(n)),
    changed: [...next.keys()].filter((n) => old.has(n) && old.get(n) !== next.get(n)),
    removed: [...old.keys()].filter((n) => !next.has(n)),
    unchanged: [...next.keys()].filter((n) => old.get(n) === next.get(n)),
  };
}
