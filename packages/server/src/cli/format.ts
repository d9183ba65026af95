/** Renders rows as a plain-text table with a header, columns padded to their widest cell. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** "3m ago", "2h ago", "just now": how long before `now` a timestamp is. */
export function ago(timestamp: number | null | undefined, now = Date.now()): string {
  if (timestamp === null || timestamp === undefined) return "-";
  const seconds = Math.round((now - timestamp) / 1000);
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

/** "in 2h", "in 5m", "ended": how far ahead a time is. */
export function until(at: number, now = Date.now()): string {
  const seconds = Math.round((at - now) / 1000);
  if (seconds <= 0) return "ended";
  if (seconds < 60) return `in ${seconds}s`;
  if (seconds < 3600) return `in ${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) {
    const minutes = Math.floor((seconds % 3600) / 60);
    return `in ${Math.floor(seconds / 3600)}h${minutes > 0 ? `${minutes}m` : ""}`;
  }
  return `in ${Math.floor(seconds / 86_400)}d`;
}

/** "2026-12-01 06:00:00Z": a timestamp to the second, in UTC. */
export const isoTime = (at: number): string =>
  `${new Date(at).toISOString().slice(0, 19).replace("T", " ")}Z`;

/** The text, cut to `max` characters with an ellipsis when longer. */
export const truncate = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;
