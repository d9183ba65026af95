import { type ConfState, MAX_TERM_BOUNDARIES, type SnapshotMeta } from "./types.js";

/** The longest node id a message may name (UTF-16 code units). */
export const MAX_ID = 256;

/** Throws the error every wire decoder throws for malformed or hostile input. */
export function bad(why: string): never {
  throw new Error(`malformed raft message: ${why}`);
}

/** `v` as a non-negative safe integer, or a malformed-message error naming `name`. */
export function uint(v: unknown, name: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
    bad(`${name} must be a non-negative integer`);
  return v;
}

/** `v` as a node id, or a malformed-message error naming `name`. */
export function id(v: unknown, name: string): string {
  if (typeof v !== "string" || v.length === 0 || v.length > MAX_ID) bad(`${name} must be a node id`);
  return v;
}

function ids(v: unknown, name: string): string[] {
  if (!Array.isArray(v) || v.length > 10_000) bad(`${name} must be a list of ids`);
  return v.map((x) => id(x, name));
}

/** Validates a snapshot's metadata as parsed from JSON (both wire protocols carry it so). */
export function snapshotMeta(s: unknown): SnapshotMeta {
  if (typeof s !== "object" || s === null) bad("snapshot must be an object");
  const raw = s as Record<string, unknown>;
  const conf = raw.conf as Record<string, unknown>;
  if (typeof conf !== "object" || conf === null) bad("snapshot conf");
  const meta: SnapshotMeta = {
    index: uint(raw.index, "snapshot index"),
    term: uint(raw.term, "snapshot term"),
    conf: {
      voters: ids(conf.voters, "voters"),
      learners: ids(conf.learners, "learners"),
    } satisfies ConfState,
  };
  if (raw.terms !== undefined) {
    if (!Array.isArray(raw.terms) || raw.terms.length > MAX_TERM_BOUNDARIES) bad("snapshot terms");
    const terms: [number, number][] = [];
    for (const pair of raw.terms as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) bad("snapshot terms must be [index, term] pairs");
      const p: [number, number] = [uint(pair[0], "terms index"), uint(pair[1], "terms term")];
      if (p[0] > meta.index || (terms.length > 0 && p[0] <= terms[terms.length - 1]![0]))
        bad("snapshot terms must have increasing indexes within the snapshot");
      terms.push(p);
    }
    meta.terms = terms;
  }
  return meta;
}
