import { MAX_TERM_BOUNDARIES } from "../types.js";

/** Term boundaries a snapshot's metadata must not carry: not pairs, negative, out of order, beyond it, too many. */
export const INVALID_TERMS: unknown[] = [
  "x",
  [[1]],
  [[1, -1]],
  [
    [4, 3],
    [2, 2],
  ],
  [[10, 4]],
  Array.from({ length: MAX_TERM_BOUNDARIES + 1 }, (_, i) => [i, i]),
];
