import type { SampleStatus } from "@amstaff/core";
import type { CertificateInfo } from "./tlsAgent.js";

const dayMs = 24 * 60 * 60 * 1000;

/** The thresholds of the `certificate` option. */
export interface CertificateThresholds {
  warningDays?: number | undefined;
  criticalDays?: number | undefined;
}

/** What {@link checkCertificate} concluded. */
export interface CertificateVerdict {
  status: SampleStatus;
  /** Whole days left before expiry; once expired, minus the whole days since. */
  daysLeft: number;
  message: string;
}

/** `2026-11-27 01:35 UTC`: a date a reader in any time zone can act on. */
function formatDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/**
 * Judges the days a certificate has left. Thresholds compare the exact time left, so a certificate with
 * 6 days and 23 hours left is below a 7-day threshold; messages show whole days.
 */
export function checkCertificate(
  certificate: CertificateInfo,
  thresholds: CertificateThresholds,
  now: number,
): CertificateVerdict {
  const msLeft = certificate.validToMs - now;
  const on = formatDate(certificate.validToMs);
  if (msLeft <= 0) {
    const ago = Math.floor(-msLeft / dayMs);
    const daysLeft = ago === 0 ? 0 : -ago;
    return {
      status: "critical",
      daysLeft,
      message: `TLS certificate expired ${ago === 0 ? "today" : `${plural(ago, "day")} ago`}, on ${on}`,
    };
  }
  const daysLeft = Math.floor(msLeft / dayMs);
  const left = `TLS certificate expires in ${plural(daysLeft, "day")}, on ${on}`;
  for (const status of ["critical", "warning"] as const) {
    const threshold = status === "critical" ? thresholds.criticalDays : thresholds.warningDays;
    if (threshold !== undefined && msLeft < threshold * dayMs) {
      return {
        status,
        daysLeft,
        message: `${left}, within the ${status} threshold of ${plural(threshold, "day")}`,
      };
    }
  }
  return { status: "ok", daysLeft, message: left };
}
