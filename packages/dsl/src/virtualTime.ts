import { type Duration, parseDuration } from "@amstaff/core";

/** A duration as written in a module (`"10m"`) or as milliseconds, in milliseconds. */
export const toMs = (value: Duration | number) => (typeof value === "number" ? value : parseDuration(value));

/** Time since a simulation started, as `"+10m30s"`. */
export function formatElapsed(ms: number): string {
  const sign = ms < 0 ? "-" : "+";
  let rest = Math.abs(Math.round(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}s`);
  return sign + parts.join("");
}
