import { AmstaffError, errorCodesOf } from "@amstaff/core";

/** The fields nodemailer sets on the errors it reports. */
interface NodemailerErrorLike {
  message?: unknown;
  code?: unknown;
  originalCode?: unknown;
  responseCode?: unknown;
  response?: unknown;
  command?: unknown;
  permanent?: unknown;
  rejected?: unknown;
  rejectedErrors?: unknown;
  timeoutType?: unknown;
  cause?: unknown;
}

/** Where a failure happened, for its message. */
export interface SmtpErrorContext {
  /** `host:port` of the SMTP server. */
  server: string;
  /** Values that must never appear in a message (the password). */
  sensitive: readonly string[];
  /** Whether the attempt was cancelled by the server (the delivery's `AbortSignal`). */
  aborted?: string | undefined;
}

const certificateCodes = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
]);

/**
 * Turns a nodemailer failure into `AMS_ERR_DELIVERY_FAILED`, classified the way RFC 5321 classifies
 * replies: 4yz (and 503) are transient, 5yz permanent. Connection, DNS and timeout failures are
 * retryable; an untrusted certificate, a server without STARTTLS when `requireTLS` is set, and rejected
 * credentials are not, because only a change of configuration fixes them.
 */
export function smtpDeliveryError(error: unknown, context: SmtpErrorContext): AmstaffError {
  const e = (typeof error === "object" && error !== null ? error : {}) as NodemailerErrorLike;
  const code = typeof e.code === "string" ? e.code : undefined;
  const responseCode = typeof e.responseCode === "number" ? e.responseCode : undefined;
  const reply = redact(oneLine(typeof e.response === "string" ? e.response : ""), context.sensitive);
  const { server } = context;
  const transient =
    typeof e.permanent === "boolean"
      ? !e.permanent
      : responseCode === undefined || responseCode < 500 || responseCode === 503;
  const fail = (message: string, retryable: boolean) =>
    new AmstaffError(
      "AMS_ERR_DELIVERY_FAILED",
      redact(`email via ${server}: ${message}`, context.sensitive),
      {
        retryable,
        cause: error,
        details: { server, retryable, ...(responseCode === undefined ? {} : { smtpCode: responseCode }) },
      },
    );
  const verdict = (retryable: boolean) => (retryable ? "temporary, will retry" : "permanent, not retried");

  if (context.aborted !== undefined || code === "EABORT") {
    return fail(
      `sending was cancelled (${context.aborted ?? "aborted"}); the server may still have accepted the message`,
      true,
    );
  }
  if (code === "EAUTH") {
    if (responseCode !== undefined && transient) {
      return fail(`authentication failed temporarily: ${reply} (${verdict(true)})`, true);
    }
    return fail(
      `authentication failed${reply ? `: ${reply}` : ""}; check auth.user and the password (${verdict(false)})`,
      false,
    );
  }
  if (code === "ENOAUTH") {
    return fail(
      "the server requires authentication: set auth.user and auth.pass (permanent, not retried)",
      false,
    );
  }
  if (code === "EENVELOPE") {
    const rejected = rejectedRecipients(e, context.sensitive);
    const retryable = responseCode === undefined ? true : transient;
    if (rejected) {
      return fail(`the server rejected ${rejected} (${verdict(retryable)})`, retryable);
    }
    return fail(
      `the server rejected the envelope${e.command ? ` at ${String(e.command).split(" ")[0]}` : ""}: ${reply || describe(e)} (${verdict(retryable)})`,
      retryable,
    );
  }
  if (code === "EMESSAGE") {
    const retryable = responseCode === undefined ? true : transient;
    return fail(`the server refused the message: ${reply || describe(e)} (${verdict(retryable)})`, retryable);
  }
  if (responseCode !== undefined && code !== "ETLS") {
    return fail(`the server answered ${reply || describe(e)} (${verdict(transient)})`, transient);
  }
  if (code === "ETLS" || code === "EREQUIRETLS") {
    const nested = errorCodesOf(e.cause)[0];
    if (nested !== undefined && certificateCodes.has(nested)) return certificateError(nested, fail);
    return fail(
      `STARTTLS failed: ${describe(e)}; the server must offer STARTTLS when requireTLS is set (permanent, not retried)`,
      false,
    );
  }
  const low = typeof e.originalCode === "string" ? e.originalCode : errorCodesOf(e.cause)[0];
  if (low !== undefined && certificateCodes.has(low)) return certificateError(low, fail);
  const message = typeof e.message === "string" ? e.message : "";
  const certificateInMessage = [...certificateCodes].find((c) => message.includes(c));
  if (certificateInMessage) return certificateError(certificateInMessage, fail);

  if (low === "ECONNREFUSED" || /ECONNREFUSED/.test(message)) {
    return fail("connection refused (is the SMTP server up, and is this its port?)", true);
  }
  if (code === "EDNS" || low === "ENOTFOUND" || low === "EAI_AGAIN") {
    return fail(`could not resolve the host name (${low ?? code})`, true);
  }
  if (code === "ETIMEDOUT") {
    const what =
      e.timeoutType === "GREETING_TIMEOUT"
        ? "the server did not greet us in time"
        : e.timeoutType === "CONNECT_TIMEOUT"
          ? "connecting timed out"
          : "the server stopped answering (timeout)";
    return fail(`${what}; will retry`, true);
  }
  if (code === "ECONNECTION" || code === "ESOCKET" || code === "EPROTOCOL") {
    return fail(`${describe(e)} (${low ?? code}); will retry`, true);
  }
  return fail(`${describe(e)}${code ? ` (${code})` : ""}`, true);
}

/** Recipients a server refused while accepting others, as one error for the delivery. */
export function partialRejectionError(
  rejected: readonly string[],
  rejectedErrors: readonly unknown[],
  accepted: readonly string[],
  context: SmtpErrorContext,
): AmstaffError {
  const e = { rejected, rejectedErrors } as NodemailerErrorLike;
  const retryable = rejectedErrors.some((err) => {
    const r = err as NodemailerErrorLike;
    return typeof r.permanent === "boolean"
      ? !r.permanent
      : typeof r.responseCode !== "number" || r.responseCode < 500;
  });
  const message =
    `email via ${context.server}: sent to ${accepted.join(", ")}, but the server rejected ` +
    `${rejectedRecipients(e, context.sensitive)} (${retryable ? "temporary, will retry: the accepted recipients may get a copy with the same Message-ID" : "permanent, not retried: fix the address"})`;
  return new AmstaffError("AMS_ERR_DELIVERY_FAILED", redact(message, context.sensitive), {
    retryable,
    details: { server: context.server, retryable, accepted: [...accepted], rejected: [...rejected] },
  });
}

function certificateError(code: string, fail: (message: string, retryable: boolean) => AmstaffError) {
  return fail(
    `the server's TLS certificate is not trusted (${code}); add its CA to tls.ca, or fix the certificate (permanent, not retried)`,
    false,
  );
}

function rejectedRecipients(e: NodemailerErrorLike, sensitive: readonly string[]): string {
  const errors = Array.isArray(e.rejectedErrors) ? (e.rejectedErrors as NodemailerErrorLike[]) : [];
  if (errors.length > 0) {
    return errors
      .map((r) => {
        const who =
          typeof (r as { recipient?: unknown }).recipient === "string"
            ? (r as { recipient: string }).recipient
            : "a recipient";
        const reply = redact(oneLine(typeof r.response === "string" ? r.response : describe(r)), sensitive);
        return `${who} (${reply})`;
      })
      .join(", ");
  }
  if (Array.isArray(e.rejected) && e.rejected.length > 0) {
    const reply = typeof e.response === "string" ? ` (${oneLine(e.response)})` : "";
    return `${e.rejected.join(", ")}${reply}`;
  }
  return "";
}

function describe(e: NodemailerErrorLike): string {
  return oneLine(typeof e.message === "string" ? e.message : "unknown error");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 500);
}

function redact(text: string, sensitive: readonly string[]): string {
  let out = text;
  for (const value of sensitive) if (value.length >= 3) out = out.split(value).join("[redacted]");
  return out;
}
