// Import-free: the dashboard's browser code (dashboard/src/types.ts) shares it.

/**
 * The one key of a monitor in maps and sets: its module's name and its own, joined by a NUL, which
 * no name can contain (names refuse control characters), so no two monitors share a key.
 */
export const monitorKey = (module: string, monitor: string): string => `${module}\u0000${monitor}`;

/** The module and monitor names of a {@link monitorKey}. */
export function parseMonitorKey(key: string): { module: string; monitor: string } {
  const at = key.indexOf("\u0000");
  return { module: key.slice(0, at), monitor: key.slice(at + 1) };
}

/** A {@link monitorKey} as people read it: `module / monitor`. */
export const describeMonitorKey = (key: string): string => key.replace("\u0000", " / ");
