import type { PeerCertificate } from "node:tls";
import type { JsonValue, SampleStatus } from "@amstaff/core";

const dayMs = 24 * 60 * 60 * 1000;

/** The thresholds of the `tls.certificate` option. */
export interface CertificateThresholds {
  warningDays?: number | undefined;
  criticalDays?: number | undefined;
}

/** What {@link checkCertificate} concluded, and the certificate's facts for the result's details. */
export interface CertificateVerdict {
  status: SampleStatus;
  message: string;
  details: Record<string, JsonValue>;
}

function formatName(name: PeerCertificate["subject"] | undefined): string {
  return Object.entries(name ?? {})
    .map(([key, value]) => `${key}=${[value].flat().join("+")}`)
    .reverse()
    .join(", ");
}

function days(n: number): string {
  return `${n} day${n === 1 ? "" : "s"}`;
}

/**
 * Judges the days a peer certificate has left. Thresholds compare the exact time left, so a certificate
 * with 6 days and 23 hours left is below a 7-day threshold; messages show whole days and the date in UTC.
 */
export function checkCertificate(
  peer: PeerCertificate,
  thresholds: CertificateThresholds,
  now: number,
): CertificateVerdict {
  const validToMs = Date.parse(peer.valid_to);
  const msLeft = validToMs - now;
  const daysLeft = Math.floor(msLeft / dayMs);
  const details = {
    subject: formatName(peer.subject),
    issuer: formatName(peer.issuer),
    validFrom: new Date(Date.parse(peer.valid_from)).toISOString(),
    validTo: new Date(validToMs).toISOString(),
    daysLeft,
  };
  const on = `${details.validTo.slice(0, 16).replace("T", " ")} UTC`;
  if (msLeft <= 0) {
    return { status: "critical", message: `TLS certificate expired on ${on}`, details };
  }
  const left = `TLS certificate expires in ${days(daysLeft)}, on ${on}`;
  for (const status of ["critical", "warning"] as const) {
    const threshold = status === "critical" ? thresholds.criticalDays : thresholds.warningDays;
    if (threshold !== undefined && msLeft < threshold * dayMs) {
      return { status, message: `${left}, within the ${status} threshold of ${days(threshold)}`, details };
    }
  }
  return { status: "ok", message: left, details };
}
