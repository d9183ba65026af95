import { resolve } from "node:path";
import type { Logger } from "pino";
import type { Clock } from "../clock.js";
import { environmentTokens, loadToken, type TokenSource } from "./token.js";
import { TokenRegistry } from "./tokenRegistry.js";

/** What {@link openNodeTokens} reads: the token options of `startServer`. */
export interface NodeTokenOptions {
  /** Where the admin token is kept when none is given. */
  dataDir: string;
  /** The admin token; when absent, the data directory's, or a generated one. */
  token?: string | undefined;
  /** Write tokens by name (`AMSTAFF_TOKENS`): role write, team `default`. */
  tokens?: Readonly<Record<string, string>> | undefined;
  /** Read tokens by name (`AMSTAFF_READ_TOKENS`): role read, team `default`. */
  readTokens?: Readonly<Record<string, string>> | undefined;
  /** A tokens file, read again when it changes. */
  tokensFile?: string | undefined;
  clock: Clock;
  logger: Logger;
}

/** A node's API tokens: the admin token, where it came from, and every token requests are checked against. */
export interface NodeTokens {
  token: string;
  source: TokenSource;
  /** Where the admin token is (or would be) stored. */
  path: string;
  registry: TokenRegistry;
}

/**
 * Loads the admin token (storing a generated one in the data directory) and builds the registry of every
 * token the API accepts; warns once about tokens given as `AMSTAFF_TOKENS`, whose meaning changed.
 */
export function openNodeTokens(options: NodeTokenOptions): NodeTokens {
  const { logger } = options;
  const { token, source, path } = loadToken(options.dataDir, options.token);
  const registry = new TokenRegistry({
    tokens: environmentTokens(token, options.tokens, options.readTokens),
    file: options.tokensFile === undefined ? undefined : resolve(options.tokensFile),
    clock: options.clock,
    onReloadError: (message) => logger.error(`tokens file not reloaded: ${message}`),
  });
  const legacyWriters = Object.keys(options.tokens ?? {});
  if (legacyWriters.length > 0) {
    // Their meaning changed when tokens got teams and roles: say so rather than break silently.
    logger.warn(
      { tokens: legacyWriters },
      'AMSTAFF_TOKENS: these tokens are now role "write" of team "default": they push, delete, roll back, ack and silence team "default"\'s modules (every module pushed before teams existed) but no longer change cluster membership, other teams\' modules or silences of every module. Give them a team and role in a tokens file (amstaff-server token create), or use the admin token for cluster changes.',
    );
  }
  return { token, source, path, registry };
}
