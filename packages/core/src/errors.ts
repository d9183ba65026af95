/**
 * Every error code Amstaff raises, in one registry. A code never changes meaning once published;
 * the server maps codes to HTTP statuses in one place.
 */
export const errorCodes = {
  /** Options given to a sampler or handler factory do not match its schema. */
  AMS_ERR_PLUGIN_OPTIONS: "invalid plugin options",
  /** A module refers to a plugin that is not installed on this server. */
  AMS_ERR_PLUGIN_UNKNOWN: "unknown plugin",
  /** A plugin integration's server-side settings (`AMSTAFF_<PATH>_<SETTING>`) are invalid, or two plugins claim one path. */
  AMS_ERR_PLUGIN_SETTINGS: "invalid plugin settings",
  /** A duration such as `"30s"` could not be parsed. */
  AMS_ERR_SCHEDULE_DURATION: "invalid duration",
  /** A cron expression could not be parsed. */
  AMS_ERR_SCHEDULE_CRON: "invalid cron expression",
  /** A module file failed to parse, evaluate or validate. */
  AMS_ERR_MODULE_INVALID: "invalid module",
  /** A module was looked up by a name that does not exist. */
  AMS_ERR_MODULE_NOT_FOUND: "module not found",
  /** A silence was looked up by an id that does not exist or has ended. */
  AMS_ERR_SILENCE_NOT_FOUND: "silence not found",
  /** A status page, or an incident note of one, was looked up by a slug or id that does not exist. */
  AMS_ERR_STATUS_PAGE_NOT_FOUND: "status page not found",
  /** A secret referenced with `secret("NAME")` is not set on the node that needs it. */
  AMS_ERR_SECRET_MISSING: "missing secret",
  /** A module refers to a secret that is in the store but not granted to it (or to its team). */
  AMS_ERR_SECRET_NOT_GRANTED: "secret not granted",
  /** The secret store's configuration (secrets directory, grants) is invalid. */
  AMS_ERR_SECRET_STORE: "invalid secret store",
  /** A handler could not deliver a notification. */
  AMS_ERR_DELIVERY_FAILED: "delivery failed",
  /** A request lacked valid credentials. */
  AMS_ERR_AUTH_REQUIRED: "authentication required",
  /**
   * A valid token asked for something it may not do. The server now says why instead, with
   * {@link errorCodes.AMS_ERR_AUTH_ROLE} or {@link errorCodes.AMS_ERR_AUTH_TEAM}.
   */
  AMS_ERR_AUTH_FORBIDDEN: "forbidden",
  /** A valid token's role does not allow the action (a `read` token's write, an `operate` token's push, a team token's cluster change). */
  AMS_ERR_AUTH_ROLE: "role not allowed",
  /** A valid token acted on what belongs to another team (its module, or a silence reaching other teams' modules). */
  AMS_ERR_AUTH_TEAM: "another team's",
  /** A request was malformed. */
  AMS_ERR_REQUEST_INVALID: "invalid request",
  /** A request body exceeded the configured limit. */
  AMS_ERR_REQUEST_TOO_LARGE: "request too large",
  /** A request named an endpoint the API does not have (no route matches its path). */
  AMS_ERR_NOT_FOUND: "no such endpoint",
  /** A request used a method its path does not offer; the answer's `Allow` header lists those it does. */
  AMS_ERR_METHOD_NOT_ALLOWED: "method not allowed",
  /**
   * A well-formed request that the current state refuses (acknowledging a monitor with no open incident):
   * read the state again before repeating it.
   */
  AMS_ERR_CONFLICT: "conflict with the current state",
  /**
   * The replicated log could not take a command (no leader reachable in time, the node shutting down):
   * the command was not applied, so retrying is safe.
   */
  AMS_ERR_LOG_UNAVAILABLE: "log unavailable",
  /**
   * A command reached the log but its fate is unknown (leadership changed under it, the leader became
   * unreachable mid-request, or the deadline ran out): it may or may not have been applied. Check the
   * state, or repeat an idempotent command.
   */
  AMS_ERR_LOG_OUTCOME_UNKNOWN: "log outcome unknown",
  /**
   * A command was committed and applied, but the node that took it learnt so from a snapshot and cannot
   * tell its result. Do not repeat it; read the state to see its effect.
   */
  AMS_ERR_LOG_RESULT_UNKNOWN: "log result unknown",
  /**
   * Node-to-node traffic cannot be secured as configured: a cluster without certificates (and without
   * `--insecure-cluster-transport`), unreadable certificate files, or a node reachable only in clear.
   */
  AMS_ERR_CLUSTER_TLS: "cluster transport not secured",
  /**
   * A node's request to another node's internal endpoints does not match the node its client certificate
   * names: a certificate of a node that is not (or no longer) a member, or a request on another node's behalf
   * (renewing its lease, announcing its address) or proposing what only the leader does (module grants).
   */
  AMS_ERR_CLUSTER_IDENTITY: "node identity mismatch",
  /** Persistent state on disk is unreadable or inconsistent. */
  AMS_ERR_STATE_CORRUPT: "state corrupt",
  /** A bug: an invariant Amstaff relies on did not hold. */
  AMS_ERR_INTERNAL: "internal error",
} as const;

/** A code from {@link errorCodes}. */
export type AmstaffErrorCode = keyof typeof errorCodes;

/** Options of {@link AmstaffError} beyond its code and message. */
export interface AmstaffErrorOptions {
  /** The underlying error. */
  cause?: unknown;
  /** Structured, secret-free details a client can act on (validation issues, locations, ...). */
  details?: Record<string, unknown>;
  /**
   * For {@link errorCodes.AMS_ERR_DELIVERY_FAILED}: whether trying again may succeed.
   * @default true
   */
  retryable?: boolean;
  /** For delivery failures: how long the receiver asked us to wait (for example its `Retry-After`). */
  retryAfterMs?: number;
}

/**
 * The one error class of Amstaff. Messages say what went wrong and what to do about it, and never
 * contain a secret.
 *
 * @example
 * ```ts
 * throw new AmstaffError("AMS_ERR_SECRET_MISSING", 'Secret "SLACK_TOKEN" is not set: export it on every node.');
 * ```
 */
export class AmstaffError extends Error {
  override readonly name = "AmstaffError";
  readonly code: AmstaffErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: AmstaffErrorCode, message: string, options: AmstaffErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.retryable = options.retryable ?? true;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Whether `error` is an {@link AmstaffError}, optionally of the given code. */
export function isAmstaffError(error: unknown, code?: AmstaffErrorCode): error is AmstaffError {
  return error instanceof AmstaffError && (code === undefined || error.code === code);
}

/** A short, single-line description of any thrown value, for results and logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
