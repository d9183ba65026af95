import { createHash, timingSafeEqual } from "node:crypto";
import { statSync } from "node:fs";
import { AmstaffError, describeError } from "@amstaff/core";
import type { Clock } from "../clock.js";
import type { Principal, Role } from "./access.js";
import { readTokensFile } from "./tokensFile.js";

/** A token given in full (from the environment or the server's options), with who it is. */
export interface PlainToken extends Principal {
  token: string;
}

interface Known extends Principal {
  digest: Buffer;
  source: "environment" | "file";
}

/** Options of a {@link TokenRegistry}. */
export interface TokenRegistryOptions {
  /** Tokens from the environment: `AMSTAFF_TOKEN`, `AMSTAFF_TOKENS`, `AMSTAFF_READ_TOKENS`. */
  tokens: readonly PlainToken[];
  /** A tokens file (hashes only), read again when it changes. */
  file?: string | undefined;
  clock: Pick<Clock, "now">;
  /** Where a tokens file that became unreadable or invalid is reported. */
  onReloadError?: (message: string) => void;
  /** How often, at most, the file is checked for changes, in ms. @default 1000 */
  recheckMs?: number;
}

const sha256 = (value: string) => createHash("sha256").update(value).digest();

/**
 * Every token the server accepts, and who each one is. The tokens file is checked for changes at most
 * once a second (on the next request): a token made with `amstaff-server token create` works, and one
 * revoked stops working, without a restart. A file that turns invalid is reported and the last good one
 * kept; a file that is removed accepts no token anymore.
 */
export class TokenRegistry {
  readonly #fixed: Known[];
  readonly #options: TokenRegistryOptions;
  #fromFile: Known[] = [];
  #fileStamp = "";
  #checkedAt = Number.NEGATIVE_INFINITY;

  /** @throws AmstaffError `AMS_ERR_REQUEST_INVALID` when two tokens share a name or a value, or the file is invalid */
  constructor(options: TokenRegistryOptions) {
    this.#options = options;
    this.#fixed = options.tokens.map(({ token, ...principal }) => ({
      ...principal,
      digest: sha256(token),
      source: "environment" as const,
    }));
    assertDistinct(this.#fixed);
    if (options.file !== undefined) this.#load(true);
  }

  /** How many tokens are accepted now, by role. */
  counts(): Record<Role, number> {
    const counts: Record<Role, number> = { admin: 0, write: 0, operate: 0, read: 0 };
    for (const known of this.#all()) counts[known.role]++;
    return counts;
  }

  /**
   * Who a presented token is, or undefined for a token the server does not know. Every known token is
   * compared (as SHA-256 digests, in constant time), so the time taken tells nothing of which matched.
   */
  resolve(token: string): (Principal & { source: Known["source"] }) | undefined {
    this.#maybeReload();
    const presented = sha256(token);
    let found: Known | undefined;
    for (const known of this.#all()) if (timingSafeEqual(presented, known.digest)) found ??= known;
    return found && { name: found.name, team: found.team, role: found.role, source: found.source };
  }

  #all(): Known[] {
    return [...this.#fixed, ...this.#fromFile];
  }

  #maybeReload(): void {
    const { file, clock, recheckMs = 1_000 } = this.#options;
    if (file === undefined) return;
    const now = clock.now();
    if (now - this.#checkedAt < recheckMs) return;
    this.#checkedAt = now;
    try {
      this.#load(false);
    } catch (error) {
      this.#options.onReloadError?.(describeError(error));
    }
  }

  #load(initial: boolean): void {
    const file = this.#options.file!;
    let stamp: string;
    try {
      const stat = statSync(file);
      stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    } catch (error) {
      if (initial || (error as NodeJS.ErrnoException).code !== "ENOENT") {
        readTokensFile(file);
        throw error;
      }
      // Fail closed: a removed file revokes its tokens.
      if (this.#fromFile.length > 0) {
        this.#fromFile = [];
        this.#fileStamp = "";
        throw new AmstaffError(
          "AMS_ERR_REQUEST_INVALID",
          `The tokens file ${file} is gone: its tokens are no longer accepted.`,
        );
      }
      return;
    }
    if (stamp === this.#fileStamp) return;
    const entries = readTokensFile(file).map(({ name, team, role, hash }) => ({
      name,
      team,
      role,
      digest: Buffer.from(hash.slice("sha256:".length), "hex"),
      source: "file" as const,
    }));
    assertDistinct([...this.#fixed, ...entries]);
    this.#fromFile = entries;
    this.#fileStamp = stamp;
  }
}

/** Names identify writers in the audit: two tokens may share neither a name nor a value. */
function assertDistinct(tokens: readonly Known[]): void {
  const names = new Map<string, Known>();
  const digests = new Map<string, Known>();
  for (const token of tokens) {
    const sameName = names.get(token.name);
    if (sameName) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `Token name "${token.name}" is used twice (a ${sameName.role} token from the ${sameName.source} and a ${token.role} token from the ${token.source}): give each token a name of its own.`,
      );
    }
    const key = token.digest.toString("hex");
    const sameValue = digests.get(key);
    if (sameValue) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `Tokens "${sameValue.name}" and "${token.name}" have the same value: give each a value of its own.`,
      );
    }
    names.set(token.name, token);
    digests.set(key, token);
  }
}
