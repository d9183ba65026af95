import type { Resolver } from "node:dns/promises";
import { isIPv6 } from "node:net";

/** The record types a DNS probe can ask for. */
export const recordTypes = ["A", "AAAA", "CNAME", "MX", "TXT", "NS", "SRV", "CAA"] as const;

/** A record type a DNS probe can ask for. */
export type RecordType = (typeof recordTypes)[number];

/** How each type's answers are written, for messages and for the schema's errors. */
export const answerFormats: Record<RecordType, string> = {
  A: 'an IPv4 address, like "192.0.2.10"',
  AAAA: 'an IPv6 address, like "2001:db8::10"',
  CNAME: 'a host name, like "www.example.com"',
  NS: 'a host name, like "ns1.example.com"',
  MX: '"<preference> <exchange>", like "10 mail.example.com"',
  TXT: "the record's text (its strings joined)",
  SRV: '"<priority> <weight> <port> <target>", like "10 5 5060 sip.example.com"',
  CAA: '"<flags> <tag> \\"<value>\\"", like "0 issue \\"letsencrypt.org\\""',
};

/** Host names compare without case and without the root's trailing dot (RFC 4343). */
function hostName(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

/** An IPv6 address in its one canonical text form (RFC 5952), so `2001:DB8:0::10` equals `2001:db8::10`. */
function canonicalIpv6(address: string): string {
  return isIPv6(address) ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address;
}

/**
 * Writes an answer, or an expected value, in the one form they are compared in: host names in lower case
 * without a trailing dot, IPv6 addresses canonical, TXT and CAA values exactly as they are.
 */
export function normalizeAnswer(type: RecordType, value: string): string {
  switch (type) {
    case "A":
      return value.trim();
    case "AAAA":
      return canonicalIpv6(value.trim());
    case "CNAME":
    case "NS":
      return hostName(value.trim());
    case "MX":
    case "SRV":
      return value.trim().split(/\s+/).map(hostName).join(" ");
    case "TXT":
    case "CAA":
      return value;
  }
}

/** Whether `value` is written the way answers of `type` are (see {@link answerFormats}). */
export function isAnswerFormat(type: RecordType, value: string): boolean {
  switch (type) {
    case "A":
      return /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/.test(value.trim());
    case "AAAA":
      return isIPv6(value.trim());
    case "MX":
      return /^\d+\s+\S+$/.test(value.trim());
    case "SRV":
      return /^\d+\s+\d+\s+\d+\s+\S+$/.test(value.trim());
    case "CAA":
      return /^\d+ [A-Za-z0-9]+ ".*"$/s.test(value);
    default:
      return value.trim() !== "";
  }
}

/** Asks `resolver` for the records of `type` at `name`, written as {@link answerFormats} says, sorted. */
export async function queryRecords(resolver: Resolver, name: string, type: RecordType): Promise<string[]> {
  let answers: string[];
  switch (type) {
    case "A":
    case "AAAA":
    case "CNAME":
    case "NS":
      answers = await resolver.resolve(name, type);
      break;
    case "MX":
      answers = (await resolver.resolveMx(name)).map((mx) => `${mx.priority} ${mx.exchange}`);
      break;
    case "TXT":
      // A TXT record is a list of strings of at most 255 bytes each; SPF, DKIM and others read them joined.
      answers = (await resolver.resolveTxt(name)).map((chunks) => chunks.join(""));
      break;
    case "SRV":
      answers = (await resolver.resolveSrv(name)).map(
        (srv) => `${srv.priority} ${srv.weight} ${srv.port} ${srv.name}`,
      );
      break;
    case "CAA":
      answers = (await resolver.resolveCaa(name)).map((caa) => {
        // Node gives { critical, <tag>: value }, and newer versions a `type: "CAA"` besides.
        const [tag = "unknown", value = ""] =
          Object.entries(caa).find(([key]) => key !== "critical" && key !== "type") ?? [];
        return `${caa.critical} ${tag} ${JSON.stringify(value)}`;
      });
      break;
  }
  return answers.map((answer) => normalizeAnswer(type, answer)).sort();
}
