import { setFlagsFromString } from "node:v8";

/** The accepted range of `--heap-growth`, in percent. */
const minPercent = 10;
const maxPercent = 300;

/**
 * `--heap-growth` / `AMSTAFF_HEAP_GROWTH_PERCENT`: how far V8 lets the old generation grow past what the
 * last full GC left live before it collects again, in percent; `undefined` when not set (the node's default
 * of 30 from `nodeDefaults.ts` holds, or V8's own with `AMSTAFF_NODE_DEFAULTS=off`).
 *
 * Unlike a heap limit (`--max-old-space-size`), this never stops a node that needs more: the heap still
 * grows as far as V8's own limit, only collected sooner. V8 otherwise lets it reach up to 4× what is live on
 * a machine with a few GiB, which at 50,000 monitors is most of the node's RSS (bench/README.md, "Results:
 * `memory`").
 *
 * @throws Error naming the setting and the range, for anything but a whole number within it
 */
export function parseHeapGrowth(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const percent = Number(value);
  if (!/^\d+$/.test(value.trim()) || percent < minPercent || percent > maxPercent) {
    throw new Error(
      `invalid options:\n  --heap-growth (AMSTAFF_HEAP_GROWTH_PERCENT): expected a whole number of percent from ${minPercent} to ${maxPercent}, got "${value}"`,
    );
  }
  return percent;
}

/**
 * Applies a growth from {@link parseHeapGrowth} to this process' V8. Node refuses the flag in
 * `NODE_OPTIONS`, but V8 reads it at every full GC, so setting it at start takes effect from then on.
 */
export function applyHeapGrowth(percent: number | undefined): void {
  if (percent !== undefined) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
