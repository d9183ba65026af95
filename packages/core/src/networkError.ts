/** What kind of failure kept a request from getting a response; see {@link describeNetworkError}. */
export type NetworkErrorKind =
  | "refused"
  | "dns"
  | "untrusted-certificate"
  | "expired-certificate"
  | "wrong-host-certificate"
  | "tls"
  | "reset"
  | "timeout"
  | "unreachable"
  | "other";

/** A network failure, classified by its error codes and explained in terms of the target. */
export interface NetworkErrorDescription {
  /** The kind of failure, whatever the wording of `message`. */
  kind: NetworkErrorKind;
  /** One line naming the target and the code, e.g. `connection refused to 127.0.0.1:8080`. */
  message: string;
}

/** Options of {@link describeNetworkError}. */
export interface DescribeNetworkErrorOptions {
  /**
   * Word certificate problems for what they are (`TLS certificate of host:443 is not trusted / has expired /
   * is not valid for host`) and leave out Node's own advice about its `--use-system-ca` flag, which the reader
   * of a result cannot act on. When `false`, every TLS failure reads `TLS error with host:443: reason (CODE)`.
   * The `kind` is the same either way.
   * @default false
   */
  certificateDetail?: boolean | undefined;
  /**
   * With `certificateDetail`, what the reader can do about a certificate that is not trusted, appended to its
   * message after `; `, e.g. ``"give the CA that signed it as `ca`"``.
   * @default undefined (no advice)
   */
  untrustedAdvice?: string | undefined;
}

/** Error codes of TLS failures, besides every `ERR_SSL_*`, `ERR_TLS_*` and `*CERT*` code. */
const tlsCodes = new Set(["EPROTO", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"]);

/** OpenSSL's verification errors that mean "no trusted CA vouches for this certificate". */
const untrustedCodes = [
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
];

/**
 * Every `code` of an error, then of its aggregated `errors` (Happy Eyeballs tries one per address) and
 * its `cause` (undici wraps the socket's error), depth first: `errorCodesOf(error)[0]` is the outermost.
 */
export function errorCodesOf(error: unknown, seen = new Set<unknown>()): string[] {
  if (typeof error !== "object" || error === null || seen.has(error)) return [];
  seen.add(error);
  const { code, errors, cause } = error as { code?: unknown; errors?: unknown; cause?: unknown };
  const nested = [...(Array.isArray(errors) ? errors : []), cause];
  return [
    ...(typeof code === "string" ? [code] : []),
    ...nested.flatMap((inner) => errorCodesOf(inner, seen)),
  ];
}

function innermostMessage(error: unknown, dropNodeAdvice: boolean): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  if (current instanceof AggregateError && current.errors[0] instanceof Error) current = current.errors[0];
  const message = (current instanceof Error ? current.message : String(current)).split("\n")[0] ?? "";
  // OpenSSL's messages carry their source file and line; the reason alone is what a reader can act on.
  const reason = /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1] ?? message;
  if (!dropNodeAdvice) return reason;
  return reason.replace(
    /; if the root CA is installed locally, try running Node\.js with --use-system-ca$/,
    "",
  );
}

/**
 * Explains why a request to `target` got no response (Node's socket errors and undici's, wrapped in `cause`
 * or gathered in an `AggregateError`), by their error codes and in terms of the target's `host:port`
 * (`connection refused to host:port`). It adds only the code and the innermost error's first line, never
 * request headers: undici's messages do not contain them. Pure: it reads the error and the URL only.
 *
 * @param error what the request threw.
 * @param target the URL requested; only its host name, port and protocol are shown.
 * @example
 * ```ts
 * try {
 *   await fetch(url);
 * } catch (error) {
 *   const { kind, message } = describeNetworkError(error, new URL(url));
 *   // kind "refused", message "connection refused to 127.0.0.1:8080"
 * }
 * ```
 */
export function describeNetworkError(
  error: unknown,
  target: URL,
  options: DescribeNetworkErrorOptions = {},
): NetworkErrorDescription {
  const { certificateDetail = false, untrustedAdvice } = options;
  const port = target.port || (target.protocol === "https:" ? "443" : "80");
  const hostname = target.hostname.replace(/^\[|\]$/g, "");
  const hostPort = `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
  const codes = errorCodesOf(error);
  const has = (...wanted: string[]) => codes.find((code) => wanted.includes(code));
  const reason = () => innermostMessage(error, certificateDetail);
  if (has("ECONNREFUSED")) return { kind: "refused", message: `connection refused to ${hostPort}` };
  const dns = has("ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "ENODATA");
  if (dns) return { kind: "dns", message: `DNS lookup failed for ${hostname} (${dns})` };
  const tls = codes.find(
    (code) =>
      tlsCodes.has(code) || /^ERR_(SSL|TLS)_/.test(code) || /CERT/.test(code) || /^DEPTH_ZERO/.test(code),
  );
  const tlsError = () => `TLS error with ${hostPort}: ${reason()} (${tls})`;
  const untrusted = has(...untrustedCodes);
  if (untrusted) {
    const advice = untrustedAdvice ? `; ${untrustedAdvice}` : "";
    return {
      kind: "untrusted-certificate",
      message: certificateDetail
        ? `TLS certificate of ${hostPort} is not trusted: ${reason()} (${untrusted})${advice}`
        : tlsError(),
    };
  }
  if (has("CERT_HAS_EXPIRED")) {
    return {
      kind: "expired-certificate",
      message: certificateDetail
        ? `TLS certificate of ${hostPort} has expired (CERT_HAS_EXPIRED)`
        : tlsError(),
    };
  }
  if (has("ERR_TLS_CERT_ALTNAME_INVALID")) {
    return {
      kind: "wrong-host-certificate",
      message: certificateDetail
        ? `TLS certificate of ${hostPort} is not valid for ${hostname}: ${reason()} (ERR_TLS_CERT_ALTNAME_INVALID)`
        : tlsError(),
    };
  }
  if (tls) return { kind: "tls", message: tlsError() };
  if (has("ECONNRESET", "EPIPE", "UND_ERR_SOCKET"))
    return { kind: "reset", message: `connection reset by ${hostPort}` };
  if (has("ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT")) {
    return { kind: "timeout", message: `connection to ${hostPort} timed out` };
  }
  if (has("EHOSTUNREACH", "ENETUNREACH")) {
    return { kind: "unreachable", message: `${hostPort} is unreachable (${codes[0]})` };
  }
  const code = codes[0];
  return { kind: "other", message: `request to ${hostPort} failed: ${reason()}${code ? ` (${code})` : ""}` };
}

/** Why a signal aborted, in words: its reason's message, or `"aborted"`. */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "aborted";
}
