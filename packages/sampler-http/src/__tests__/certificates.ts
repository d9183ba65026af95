import { generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

// A minimal X.509 v3 writer (DER by hand, ECDSA P-256 with SHA-256): enough to give test servers
// certificates with any validity window, including ones that expired yesterday, which no CLI tool makes
// easily and `node:crypto` cannot create on its own.

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, ...items);
const set = (...items: Buffer[]) => tlv(0x31, ...items);
const octetString = (content: Buffer) => tlv(0x04, content);
const bitString = (content: Buffer) => tlv(0x03, Buffer.from([0]), content);
const utf8String = (text: string) => tlv(0x0c, Buffer.from(text, "utf8"));
const explicit = (tag: number, content: Buffer) => tlv(0xa0 | tag, content);
const boolean = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0]));

function integer(bytes: Buffer): Buffer {
  return tlv(
    0x02,
    bytes[0] !== undefined && bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes,
  );
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let value = arc >> 7; value > 0; value >>= 7) groups.unshift(0x80 | (value & 0x7f));
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`))
    : tlv(0x18, Buffer.from(`${iso}Z`));
}

const name = (commonName: string, organization = "Amstaff tests") =>
  sequence(
    set(sequence(oid("2.5.4.10"), utf8String(organization))),
    set(sequence(oid("2.5.4.3"), utf8String(commonName))),
  );

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

function subjectAltName(hosts: readonly string[]): Buffer {
  return sequence(
    ...hosts.map((host) =>
      /^\d+\.\d+\.\d+\.\d+$/.test(host)
        ? tlv(0x87, Buffer.from(host.split(".").map(Number)))
        : tlv(0x82, Buffer.from(host, "ascii")),
    ),
  );
}

const ecdsaWithSha256 = sequence(oid("1.2.840.10045.4.3.2"));

function toPem(der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

/** A certificate and its private key, in PEM. */
export interface TestCertificate {
  cert: string;
  key: string;
  /** The key object, to sign other certificates with when this one is a CA. */
  privateKey: KeyObject;
  subject: string;
  notAfter: Date;
}

/** What {@link createCertificate} builds. */
export interface CertificateRequest {
  /** The subject's common name. @default "127.0.0.1" */
  commonName?: string;
  /** Host names and IPv4 addresses the certificate is valid for. @default ["127.0.0.1", "localhost"] */
  hosts?: readonly string[];
  /** Start of validity. @default one day ago */
  notBefore?: Date;
  /** End of validity. @default 90 days from now */
  notAfter?: Date;
  /** The issuer; self-signed when absent. */
  issuer?: TestCertificate;
  /** Whether this is a CA certificate. @default false */
  ca?: boolean;
}

const day = 24 * 60 * 60 * 1000;

/** Creates an X.509 certificate, self-signed or issued by `issuer`. */
export function createCertificate(request: CertificateRequest = {}): TestCertificate {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const commonName = request.commonName ?? "127.0.0.1";
  const notBefore = request.notBefore ?? new Date(Date.now() - day);
  const notAfter = request.notAfter ?? new Date(Date.now() + 90 * day);
  const issuer = request.issuer;
  const serial = randomBytes(12);
  // Positive and minimal in DER: the first byte is 1-127.
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01;
  const extensions = request.ca
    ? [
        extension("2.5.29.19", true, sequence(boolean(true))),
        // keyUsage: keyCertSign and cRLSign.
        extension("2.5.29.15", true, tlv(0x03, Buffer.from([1, 0x06]))),
      ]
    : [
        extension("2.5.29.19", true, sequence()),
        extension("2.5.29.17", false, subjectAltName(request.hosts ?? ["127.0.0.1", "localhost"])),
      ];
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ecdsaWithSha256,
    issuer ? name(issuer.subject) : name(commonName),
    sequence(time(notBefore), time(notAfter)),
    name(commonName),
    publicKey.export({ type: "spki", format: "der" }),
    explicit(3, sequence(...extensions)),
  );
  const signature = sign("sha256", tbs, issuer?.privateKey ?? privateKey);
  const der = sequence(tbs, ecdsaWithSha256, bitString(signature));
  return {
    cert: toPem(der),
    key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    privateKey,
    subject: commonName,
    notAfter,
  };
}

/** A certificate authority and a server certificate it issued, valid for `days` more days (negative: expired). */
export function issuedCertificate(days: number, caName = "Amstaff Test CA") {
  const ca = createCertificate({ commonName: caName, ca: true, notAfter: new Date(Date.now() + 3650 * day) });
  const notAfter = new Date(Date.now() + days * day);
  const notBefore = new Date(Math.min(Date.now(), notAfter.getTime()) - 10 * day);
  const server = createCertificate({ issuer: ca, notBefore, notAfter });
  return { ca, server };
}

export { day };
