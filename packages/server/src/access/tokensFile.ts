import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { AmstaffError, formatIssues } from "@amstaff/core";
import { z } from "zod";
import { nameSchema, roles } from "./access.js";

/**
 * One token of a tokens file. The token itself is never stored: only its SHA-256, as
 * `sha256:<64 hex digits>`.
 */
export const tokenEntrySchema = z.strictObject({
  name: nameSchema,
  team: nameSchema,
  role: z.enum(roles),
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'the token\'s SHA-256, "sha256:<64 hex digits>"'),
  /** When the entry was made, ISO 8601 (informational). */
  createdAt: z.string().optional(),
});

/** One entry of a tokens file. */
export type TokenEntry = z.output<typeof tokenEntrySchema>;

/** A tokens file (`--tokens-file`, `AMSTAFF_TOKENS_FILE`): `{ "tokens": [ ... ] }`, names and hashes unique. */
export const tokensFileSchema = z
  .strictObject({ tokens: z.array(tokenEntrySchema) })
  .superRefine((file, context) => {
    const names = new Set<string>();
    const hashes = new Set<string>();
    file.tokens.forEach((entry, i) => {
      if (names.has(entry.name))
        context.addIssue({
          code: "custom",
          path: ["tokens", i, "name"],
          message: `"${entry.name}" is used twice`,
        });
      if (hashes.has(entry.hash))
        context.addIssue({
          code: "custom",
          path: ["tokens", i, "hash"],
          message: "the same token is listed twice",
        });
      names.add(entry.name);
      hashes.add(entry.hash);
    });
  });

/**
 * The hash a tokens file keeps of a token. Plain SHA-256 is enough because every token is 256 random
 * bits made by {@link generateToken}: nobody can search that space, so a slow password hash (scrypt)
 * would only cost each API request tens of milliseconds of CPU.
 */
export function hashToken(token: string): string {
  return `sha256:${createHash("sha256").update(token).digest("hex")}`;
}

/** A new token: `ams_` and 256 random bits, base64url. */
export function generateToken(): string {
  return `ams_${randomBytes(32).toString("base64url")}`;
}

/**
 * Reads and validates a tokens file.
 *
 * @throws AmstaffError `AMS_ERR_REQUEST_INVALID` naming the file and what is wrong (never a hash)
 */
export function readTokensFile(path: string): TokenEntry[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      code === "ENOENT"
        ? `The tokens file ${path} does not exist: create it with amstaff-server token create --file ${path} ...`
        : `Cannot read the tokens file ${path} (${code ?? "error"}).`,
      code === "ENOENT" ? {} : { cause },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AmstaffError("AMS_ERR_REQUEST_INVALID", `The tokens file ${path} is not valid JSON.`);
  }
  const parsed = tokensFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      `The tokens file ${path} is invalid: ${formatIssues(parsed.error.issues)}. Expected {"tokens": [{"name", "team", "role", "hash"}]}.`,
    );
  }
  return parsed.data.tokens;
}

/** Writes a tokens file whole (a temporary file renamed over it, so a running server never reads half of it), owner-only. */
function writeTokensFile(path: string, tokens: TokenEntry[]): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ tokens }, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

/**
 * Adds a new token to a tokens file (created if missing) and returns the token, the only time it is
 * ever seen: the file keeps its hash.
 *
 * @throws AmstaffError `AMS_ERR_REQUEST_INVALID` for a bad name, team or role, or a name already used
 */
export function createTokenEntry(
  path: string,
  entry: { name: string; team: string; role: string },
  now: Date = new Date(),
): { token: string; entry: TokenEntry } {
  const existing = existsSync(path) ? readTokensFile(path) : [];
  const token = generateToken();
  const parsed = tokenEntrySchema.safeParse({
    ...entry,
    hash: hashToken(token),
    createdAt: now.toISOString(),
  });
  if (!parsed.success) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      `Invalid token entry: ${formatIssues(parsed.error.issues)}.`,
    );
  }
  if (existing.some((e) => e.name === entry.name)) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      `A token named "${entry.name}" is already in ${path}: revoke it first (amstaff-server token revoke --name ${entry.name}) or pick another name.`,
    );
  }
  writeTokensFile(path, [...existing, parsed.data]);
  return { token, entry: parsed.data };
}

/**
 * Removes a token from a tokens file by name; a running server stops accepting it within its reload interval.
 *
 * @throws AmstaffError `AMS_ERR_REQUEST_INVALID` when there is no such token
 */
export function revokeTokenEntry(path: string, name: string): TokenEntry {
  const existing = readTokensFile(path);
  const found = existing.find((e) => e.name === name);
  if (!found) throw new AmstaffError("AMS_ERR_REQUEST_INVALID", `No token named "${name}" in ${path}.`);
  writeTokensFile(
    path,
    existing.filter((e) => e !== found),
  );
  return found;
}
