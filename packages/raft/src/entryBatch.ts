import type { Entry } from "./types.js";

/**
 * Appends entries from `source`, in order, to `out` until the next one would bring the data bytes in `out`
 * over `maxBytes`; the first entry is always taken, so an oversized one still moves. One rule for every
 * bounded read of the log: an AppendEntries' batch, the core's log and a storage's `entries`.
 */
export function takeWithinBytes(source: Iterable<Entry>, maxBytes: number, out: Entry[] = []): Entry[] {
  let bytes = 0;
  for (const e of out) bytes += e.data.length;
  for (const e of source) {
    if (out.length > 0 && bytes + e.data.length > maxBytes) break;
    bytes += e.data.length;
    out.push(e);
  }
  return out;
}
