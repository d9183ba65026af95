import { AmstaffError } from "@amstaff/core";
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { Principal } from "../access/access.js";
import { type ApiEnv, anonymous, type TokenResolver } from "./deps.js";
import { docsPaths } from "./routes/docs.js";

/** Whether the request reached an endpoint (not only middleware): unknown paths answer 404 before any auth. */
export const endpointMatched = (c: Context): boolean => matchedRoutes(c).some((r) => r.method !== "ALL");

/** The routes served without a token: they reveal the node's liveness and the API's contract, nothing else. */
export const openPaths: readonly string[] = ["/health", ...docsPaths];

/** Options of {@link authenticate}. */
export interface AuthOptions {
  tokens: TokenResolver;
  /** Serve `GET /metrics` without a token. */
  metricsPublic: boolean;
  /** A linearizable read barrier, run before a `GET` with `?consistent=true`. */
  consistentRead?: (() => Promise<void>) | undefined;
}

/** Who `Authorization: Bearer <token>` is, if the server knows the token. */
function principalOf(header: string | undefined, tokens: TokenResolver): Principal | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) return undefined;
  const found = tokens.resolve(match[1]!);
  return found && { name: found.name, team: found.team, role: found.role };
}

/**
 * The one token check of the API: sets `caller` from `Authorization: Bearer <token>`, refuses a request
 * without a known token (401) but on the open routes, and keeps read tokens to `GET`. Runs the read
 * barrier of `?consistent=true` once the caller is known.
 */
export function authenticate(options: AuthOptions): MiddlewareHandler<ApiEnv> {
  const open = new Set([...openPaths, ...(options.metricsPublic ? ["/metrics"] : [])]);
  return async (c, next) => {
    if (!endpointMatched(c)) return next();
    const token = principalOf(c.req.header("authorization"), options.tokens);
    if (token === undefined && !open.has(c.req.path)) {
      throw new AmstaffError(
        "AMS_ERR_AUTH_REQUIRED",
        "Missing or wrong token: send Authorization: Bearer <token> (the server prints where its token is).",
      );
    }
    const reads = c.req.method === "GET" || c.req.method === "HEAD";
    // Every write route checks its own rights; this keeps a read token off any write route, future ones too.
    if (token?.role === "read" && !reads) {
      throw new AmstaffError(
        "AMS_ERR_AUTH_ROLE",
        `Token "${token.name}" has role read: it may only GET. Use a token with role operate, write or admin.`,
        { details: { token: token.name, team: token.team, role: token.role } },
      );
    }
    c.set("caller", token ?? anonymous);
    if (reads && c.req.query("consistent") === "true") await options.consistentRead?.();
    await next();
  };
}
