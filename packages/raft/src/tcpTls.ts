import { type ConnectionOptions, checkServerIdentity, type PeerCertificate, type TlsOptions } from "node:tls";
import type { TcpTransportTls } from "./tcpTransportOptions.js";
import type { NodeId } from "./types.js";

/**
 * The listener's TLS 1.3 options: a certificate is required of every peer and checked against the
 * cluster CA only (never the system store).
 */
export function tlsServerOptions(tls: TcpTransportTls, handshakeTimeoutMs: number): TlsOptions {
  return {
    ca: toPem(tls.ca),
    cert: toPem(tls.cert),
    key: toPem(tls.key),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: "TLSv1.3",
    handshakeTimeout: handshakeTimeoutMs,
  };
}

/**
 * The dialler's TLS 1.3 options towards node `to`: its certificate must chain to the cluster CA and,
 * unless `verifyNodeId` is false, name `to`.
 */
export function tlsClientOptions(
  tls: TcpTransportTls,
  host: string,
  port: number,
  to: NodeId,
): ConnectionOptions {
  return {
    host,
    port,
    ca: toPem(tls.ca),
    cert: toPem(tls.cert),
    key: toPem(tls.key),
    minVersion: "TLSv1.3",
    rejectUnauthorized: true,
    checkServerIdentity: (host, cert) => {
      const error = checkServerIdentity(host, cert);
      if (error || tls.verifyNodeId === false) return error;
      const name = commonName(cert);
      return name === to
        ? undefined
        : new Error(`${host} presented the certificate of "${name}", not of node "${to}"`);
    },
  };
}

/** The common name of a peer certificate: the node id it was issued to. */
export function commonName(cert: PeerCertificate | undefined): string | undefined {
  const cn = cert?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

function toPem(value: string | Uint8Array): string | Buffer {
  return typeof value === "string" ? value : Buffer.from(value);
}
