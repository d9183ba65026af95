import { describe, expect, it } from "vitest";
import { describeNetworkError } from "./networkError.js";

function failure(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

// undici's shape: a TypeError("fetch failed") or a SocketError whose cause is the socket's error.
function wrapped(inner: Error): Error {
  return new TypeError("fetch failed", { cause: inner });
}

const http = new URL("http://127.0.0.1:8080/health");
const https = new URL("https://example.test/");
const detail = { certificateDetail: true, untrustedAdvice: "give the CA that signed it as `ca`" };
const nodeAdvice = "; if the root CA is installed locally, try running Node.js with --use-system-ca";

describe("describeNetworkError", () => {
  it("names the target's host and port, with the protocol's default port", () => {
    expect(describeNetworkError(wrapped(failure("ECONNREFUSED")), http)).toEqual({
      kind: "refused",
      message: "connection refused to 127.0.0.1:8080",
    });
    expect(describeNetworkError(failure("ECONNREFUSED"), https).message).toBe(
      "connection refused to example.test:443",
    );
    expect(describeNetworkError(failure("ECONNREFUSED"), new URL("http://[::1]/")).message).toBe(
      "connection refused to [::1]:80",
    );
  });

  it("finds the code among the addresses Happy Eyeballs tried", () => {
    const error = wrapped(
      new AggregateError([failure("ECONNREFUSED"), failure("ECONNREFUSED")], "connect failed"),
    );
    expect(describeNetworkError(error, http).kind).toBe("refused");
  });

  it("classifies DNS failures, resets, timeouts and unreachable hosts", () => {
    expect(describeNetworkError(wrapped(failure("ENOTFOUND")), new URL("http://nope.invalid/"))).toEqual({
      kind: "dns",
      message: "DNS lookup failed for nope.invalid (ENOTFOUND)",
    });
    expect(describeNetworkError(wrapped(failure("ECONNRESET")), http)).toEqual({
      kind: "reset",
      message: "connection reset by 127.0.0.1:8080",
    });
    expect(describeNetworkError(failure("UND_ERR_CONNECT_TIMEOUT"), http)).toEqual({
      kind: "timeout",
      message: "connection to 127.0.0.1:8080 timed out",
    });
    expect(describeNetworkError(wrapped(failure("EHOSTUNREACH")), http)).toEqual({
      kind: "unreachable",
      message: "127.0.0.1:8080 is unreachable (EHOSTUNREACH)",
    });
  });

  it("gives the innermost reason of an unknown failure, with its code if any", () => {
    expect(describeNetworkError(wrapped(failure("EWHATEVER", "something odd\nat stack")), http)).toEqual({
      kind: "other",
      message: "request to 127.0.0.1:8080 failed: something odd (EWHATEVER)",
    });
    expect(describeNetworkError(new Error("plain"), http).message).toBe(
      "request to 127.0.0.1:8080 failed: plain",
    );
  });

  it("reads OpenSSL's reason out of its message", () => {
    const error = wrapped(
      failure(
        "ERR_SSL_WRONG_VERSION_NUMBER",
        "C0D7:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/ssl/record.c:354:",
      ),
    );
    expect(describeNetworkError(error, https)).toEqual({
      kind: "tls",
      message: "TLS error with example.test:443: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)",
    });
  });

  it("words certificate problems generically unless asked for detail, with the same kind", () => {
    const selfSigned = wrapped(
      failure("DEPTH_ZERO_SELF_SIGNED_CERT", `self-signed certificate${nodeAdvice}`),
    );
    expect(describeNetworkError(selfSigned, https)).toEqual({
      kind: "untrusted-certificate",
      message: `TLS error with example.test:443: self-signed certificate${nodeAdvice} (DEPTH_ZERO_SELF_SIGNED_CERT)`,
    });
    expect(describeNetworkError(selfSigned, https, detail)).toEqual({
      kind: "untrusted-certificate",
      message:
        "TLS certificate of example.test:443 is not trusted: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT); give the CA that signed it as `ca`",
    });
    expect(describeNetworkError(selfSigned, https, { certificateDetail: true }).message).toBe(
      "TLS certificate of example.test:443 is not trusted: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)",
    );

    const expired = wrapped(failure("CERT_HAS_EXPIRED", "certificate has expired"));
    expect(describeNetworkError(expired, https)).toEqual({
      kind: "expired-certificate",
      message: "TLS error with example.test:443: certificate has expired (CERT_HAS_EXPIRED)",
    });
    expect(describeNetworkError(expired, https, detail).message).toBe(
      "TLS certificate of example.test:443 has expired (CERT_HAS_EXPIRED)",
    );

    const otherHost = wrapped(failure("ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match"));
    expect(describeNetworkError(otherHost, https).kind).toBe("wrong-host-certificate");
    expect(describeNetworkError(otherHost, https, detail).message).toBe(
      "TLS certificate of example.test:443 is not valid for example.test: Hostname/IP does not match (ERR_TLS_CERT_ALTNAME_INVALID)",
    );
  });
});
