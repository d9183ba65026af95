import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultTeam } from "./access.js";
import type { PlainToken } from "./tokenRegistry.js";

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

/**
 * Reads a list of named tokens, `name=token,name=token` (`AMSTAFF_TOKENS`, `AMSTAFF_READ_TOKENS`).
 * Names are letters, digits, `_`, `.` and `-`; tokens are 16 characters or more.
 *
 * @param variable the list's name, for the error message
 * @throws Error naming the bad entry by position only (a malformed entry may be mostly token)
 */
export function parseNamedTokens(text: string | undefined, variable: string): Record<string, string> {
  const tokens: Record<string, string> = {};
  const pairs = (text ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  pairs.forEach((pair, i) => {
    const at = pair.indexOf("=");
    const name = at > 0 ? pair.slice(0, at).trim() : "";
    const token = pair.slice(at + 1).trim();
    if (!/^[\w.-]+$/.test(name) || token.length < 16) {
      throw new Error(`${variable} entry ${i + 1} is not name=token with a token of 16 characters or more`);
    }
    tokens[name] = token;
  });
  return tokens;
}

/**
 * The tokens the environment gives, and who they are: `AMSTAFF_TOKEN` (or the data directory's) is
 * `admin`, an admin of team `default`; each `AMSTAFF_TOKENS` entry a `write` token of team `default`;
 * each `AMSTAFF_READ_TOKENS` entry a `read` token of team `default`.
 */
export function environmentTokens(
  admin: string,
  tokens: Readonly<Record<string, string>> = {},
  readTokens: Readonly<Record<string, string>> = {},
): PlainToken[] {
  return [
    { name: "admin", team: defaultTeam, role: "admin", token: admin },
    ...Object.entries(tokens).map(([name, token]) => ({
      name,
      team: defaultTeam,
      role: "write" as const,
      token,
    })),
    ...Object.entries(readTokens).map(([name, token]) => ({
      name,
      team: defaultTeam,
      role: "read" as const,
      token,
    })),
  ];
}
