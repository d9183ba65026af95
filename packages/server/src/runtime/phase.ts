/**
 * Where in its period an interval job runs: a stable hash of its key, so the jobs of a node fall due
 * evenly over the whole period instead of in bursts, and every node computes the same slots for the
 * same job. Due times are `k × period + offset` on the epoch's grid, as Prometheus pins a target's
 * scrapes to a hash of the target; unlike Prometheus there is no per-node seed, because one node at a
 * time runs a monitor and a failover must keep its phase.
 */

// Murmur3's 32-bit finalizer: FNV-1a alone leaves the low bits of similar keys ("p1", "p2") correlated,
// and `hash mod period` reads mostly low bits.
function mix32(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function fnv1a32(text: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/**
 * A 53-bit hash of a key, the same on every node and in every version that keeps this function: two
 * FNV-1a passes with different offset bases, each finalized, joined into one safe integer (so a period
 * of days still gets an unbiased offset).
 */
export function phaseHash(key: string): number {
  const high = fnv1a32(key, 0x811c9dc5) >>> 11;
  const low = fnv1a32(key, 0x050c5d1f);
  return high * 2 ** 32 + low;
}

/** The job's offset into its period: its slots are `k × periodMs + offset`. */
export function phaseOffset(key: string, periodMs: number): number {
  // `%` of a double gives a boxed number even when the result is a small integer, and a scheduler entry
  // keeps its offset: one boxed offset made V8 box the field in every entry (16 bytes a monitor).
  // `Math.trunc` hands back a small integer as one (the same value).
  return Math.trunc(phaseHash(key) % periodMs);
}

/** The first slot of the phase strictly after `after`. */
export function nextSlot(after: number, periodMs: number, offset: number): number {
  return offset + (Math.floor((after - offset) / periodMs) + 1) * periodMs;
}
