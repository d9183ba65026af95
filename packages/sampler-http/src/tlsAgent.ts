import type { PeerCertificate, TLSSocket } from "node:tls";
import { Agent, buildConnector } from "undici";
import { probePoolFactory } from "./probePool.js";

/** What a probe reports about the server's TLS certificate. */
export interface CertificateInfo {
  /** The subject, like `"CN=api.example.com, O=Example"`. */
  subject: string;
  /** The issuer, like `"CN=R11, O=Let's Encrypt, C=US"`. */
  issuer: string;
  /** Start of validity, ISO 8601. */
  validFrom: string;
  /** End of validity, ISO 8601. */
  validTo: string;
  /** End of validity, in milliseconds since the epoch. */
  validToMs: number;
}

/** A connection pool of its own, for a sampler with its own TLS settings, that remembers peer certificates. */
export interface TlsAgent {
  agent: Agent;
  /** The certificate the server at `url` presented on the latest connection, if one was made. */
  certificateOf(url: URL): CertificateInfo | undefined;
}

function formatName(name: PeerCertificate["subject"] | undefined): string {
  return Object.entries(name ?? {})
    .map(([key, value]) => `${key}=${[value].flat().join("+")}`)
    .reverse()
    .join(", ");
}

function endpoint(hostname: string, port: string): string {
  return `${hostname.replace(/^\[|\]$/g, "")}:${port || "443"}`;
}

/**
 * Creates a keep-alive pool whose connections verify the server with `ca` (or not at all when `insecure`)
 * and record the certificate each server presented. Certificates are recorded at connect time, which is
 * the only moment TLS sees them; a kept-alive connection keeps reporting the certificate it was opened with.
 */
export function createTlsAgent(options: { ca?: string | undefined; insecure: boolean }): TlsAgent {
  const certificates = new Map<string, CertificateInfo>();
  const connect = buildConnector({
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    rejectUnauthorized: !options.insecure,
  });
  const agent = new Agent({
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: 0,
    bodyTimeout: 0,
    factory: probePoolFactory,
    connect: (connectOptions, callback) => {
      connect(connectOptions, (error, socket) => {
        if (error === null && socket !== null && "getPeerCertificate" in socket) {
          const peer = (socket as TLSSocket).getPeerCertificate();
          if (peer?.valid_to) {
            const validToMs = Date.parse(peer.valid_to);
            certificates.set(endpoint(connectOptions.hostname, connectOptions.port), {
              subject: formatName(peer.subject),
              issuer: formatName(peer.issuer),
              validFrom: new Date(Date.parse(peer.valid_from)).toISOString(),
              validTo: new Date(validToMs).toISOString(),
              validToMs,
            });
          }
        }
        if (error === null) callback(null, socket as NonNullable<typeof socket>);
        else callback(error, null);
      });
    },
  });
  return {
    agent,
    certificateOf: (url) => certificates.get(endpoint(url.hostname, url.port)),
  };
}
