import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Where the API token came from. */
export type TokenSource = "option" | "file" | "generated";

/**
 * The API token: the one given (from `AMSTAFF_TOKEN`), else the one stored in the data directory, else
 * a new random one stored there (readable by its owner only) for the next start.
 */
export function loadToken(
  dataDir: string,
  given: string | undefined,
): { token: string; source: TokenSource; path: string } {
  const path = join(dataDir, "token");
  if (given !== undefined && given.trim() !== "") return { token: given.trim(), source: "option", path };
  try {
    const stored = readFileSync(path, "utf8").trim();
    if (stored !== "") return { token: stored, source: "file", path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const token = randomBytes(32).toString("base64url");
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: "wx" });
  return { token, source: "generated", path };
}
