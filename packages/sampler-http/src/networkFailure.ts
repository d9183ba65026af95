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

function errorCodes(error: unknown, seen = new Set<unknown>()): string[] {
  if (typeof error !== "object" || error === null || seen.has(error)) return [];
  seen.add(error);
  const { code, errors, cause } = error as { code?: unknown; errors?: unknown; cause?: unknown };
  // undici wraps the socket's error in `cause`; Happy Eyeballs gathers one per address in `errors`.
  const nested = [...(Array.isArray(errors) ? errors : []), cause];
  return [...(typeof code === "string" ? [code] : []), ...nested.flatMap((inner) => errorCodes(inner, seen))];
}

function innermostMessage(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  if (current instanceof AggregateError && current.errors[0] instanceof Error) current = current.errors[0];
  const message = (current instanceof Error ? current.message : String(current)).split("\n")[0] ?? "";
  // OpenSSL's messages carry their source file and line; the reason alone is what a reader can act on.
  const reason = /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1] ?? message;
  // Node 24 appends advice about its own --use-system-ca flag, which the reader of a result cannot act on.
  return reason.replace(
    /; if the root CA is installed locally, try running Node\.js with --use-system-ca$/,
    "",
  );
}

/**
 * Explains why a request got no response, in terms of the target (`connection refused to host:port`),
 * never with request headers: undici's messages do not contain them, and this adds only the code.
 */
export function describeNetworkFailure(error: unknown, url: URL): string {
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const target = `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
  const codes = errorCodes(error);
  const has = (...wanted: string[]) => codes.find((code) => wanted.includes(code));
  if (has("ECONNREFUSED")) return `connection refused to ${target}`;
  const dns = has("ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "ENODATA");
  if (dns) return `DNS lookup failed for ${hostname} (${dns})`;
  const tls = codes.find(
    (code) =>
      tlsCodes.has(code) || /^ERR_(SSL|TLS)_/.test(code) || /CERT/.test(code) || /^DEPTH_ZERO/.test(code),
  );
  const untrusted = has(...untrustedCodes);
  if (untrusted) {
    return `TLS certificate of ${target} is not trusted: ${innermostMessage(error)} (${untrusted}); give the CA that signed it as \`ca\``;
  }
  if (has("CERT_HAS_EXPIRED")) return `TLS certificate of ${target} has expired (CERT_HAS_EXPIRED)`;
  if (has("ERR_TLS_CERT_ALTNAME_INVALID")) {
    return `TLS certificate of ${target} is not valid for ${hostname}: ${innermostMessage(error)} (ERR_TLS_CERT_ALTNAME_INVALID)`;
  }
  if (tls) return `TLS error with ${target}: ${innermostMessage(error)} (${tls})`;
  if (has("ECONNRESET", "EPIPE", "UND_ERR_SOCKET")) return `connection reset by ${target}`;
  if (has("ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT")) return `connection to ${target} timed out`;
  if (has("EHOSTUNREACH", "ENETUNREACH")) return `${target} is unreachable (${codes[0]})`;
  const code = codes[0];
  return `request to ${target} failed: ${innermostMessage(error)}${code ? ` (${code})` : ""}`;
}
