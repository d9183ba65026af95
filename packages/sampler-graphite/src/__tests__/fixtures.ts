import { readFileSync } from "node:fs";

/**
 * The recorded Graphite answers under `fixtures/`, captured from a real graphite-web 1.1 (Debian
 * bookworm) by `scripts/record-fixtures.sh`; see `fixtures/README.md` for what each one holds.
 */
export const fixtureNames = [
  "single-series",
  "five-series",
  "null-only",
  "one-series-without-data",
  "no-series",
  "server-error",
  "unknown-function",
] as const;

/** The body of a recorded answer, byte for byte. */
export function fixture(name: (typeof fixtureNames)[number]): string {
  return readFileSync(new URL(`./fixtures/${name}.body`, import.meta.url), "utf8");
}
