import { webcrypto } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { AmstaffError } from "@amstaff/core";
import type * as X509 from "@peculiar/x509";
import { z } from "zod";

/** One node to issue a certificate for: its id (the certificate's common name) and the addresses peers dial. */
export interface CertificateNode {
  /** The node id, as given to `--node-id`. */
  id: string;
  /** Host names and IP addresses the node is reached at (its Raft host and internal API host): the SANs. */
  addresses: string[];
}

/** Options of {@link createClusterCertificates}. */
export interface ClusterCertificatesOptions {
  /** The directory the files are written to (created 0700 if missing). */
  out: string;
  /** The nodes to issue certificates for. */
  nodes: CertificateNode[];
  /** Validity of the node certificates, in days. @default 825 */
  days?: number;
  /** Validity of a newly created CA, in days. @default 3650 */
  caDays?: number;
}

/** What {@link createClusterCertificates} wrote. */
export interface ClusterCertificates {
  /** The CA certificate (`ca.pem`) and key (`ca-key.pem`); `created` is false when an existing CA was reused. */
  ca: { cert: string; key: string; created: boolean };
  /** Per node: its certificate (`<id>.pem`) and key (`<id>-key.pem`). */
  nodes: { id: string; cert: string; key: string }[];
}

type CryptoKey = webcrypto.CryptoKey;

const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const nodeIdPattern = /^[\w.-]{1,64}$/;
const day = 86_400_000;

/**
 * Makes a cluster's certificates: a private CA (reused when `out` already holds one, so nodes can be
 * added later) and, per node, an ECDSA P-256 key and a certificate signed by that CA whose common name
 * is the node id and whose subject alternative names are the node's addresses, valid for both server
 * and client authentication (mutual TLS). Every file is written 0600; an existing node file is never
 * overwritten.
 *
 * @example
 * await createClusterCertificates({ out: "./certs", nodes: [{ id: "a", addresses: ["10.0.0.1"] }] });
 */
export async function createClusterCertificates(
  options: ClusterCertificatesOptions,
): Promise<ClusterCertificates> {
  // Loaded on demand: only this command needs an X.509 writer, not every server start.
  const x509 = await import("@peculiar/x509");
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true, mode: 0o700 });
  for (const node of options.nodes) {
    if (!nodeIdPattern.test(node.id)) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `"${node.id}" is not a node id: use 1 to 64 letters, digits, '.', '_' or '-'.`,
      );
    }
    for (const file of [`${node.id}.pem`, `${node.id}-key.pem`]) {
      if (existsSync(join(out, file))) {
        throw new AmstaffError(
          "AMS_ERR_REQUEST_INVALID",
          `${join(out, file)} already exists: remove it first to issue a new certificate for node "${node.id}".`,
        );
      }
    }
  }
  // Validity dates printed into the certificates: the wall-clock calendar, not a duration the server
  // measures, so not the injected clock.
  const now = Date.now();
  const notBefore = new Date(now - 5 * 60_000);
  const ca = await loadOrCreateCa(x509, out, notBefore, options.caDays ?? 3650);
  const nodes: ClusterCertificates["nodes"] = [];
  for (const node of options.nodes) {
    const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${node.id}`,
      issuer: ca.cert.subject,
      notBefore,
      notAfter: new Date(now + (options.days ?? 825) * day),
      publicKey: keys.publicKey,
      signingKey: ca.privateKey,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
        new x509.SubjectAlternativeNameExtension(
          node.addresses.map((address) => ({ type: isIP(address) ? "ip" : "dns", value: address })),
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
      ],
    });
    const certPath = join(out, `${node.id}.pem`);
    const keyPath = join(out, `${node.id}-key.pem`);
    writePrivate(certPath, cert.toString("pem"));
    writePrivate(keyPath, await privateKeyPem(keys.privateKey));
    nodes.push({ id: node.id, cert: certPath, key: keyPath });
  }
  return { ca: { cert: join(out, "ca.pem"), key: join(out, "ca-key.pem"), created: ca.created }, nodes };
}

async function loadOrCreateCa(
  x509: typeof X509,
  out: string,
  notBefore: Date,
  days: number,
): Promise<{ cert: X509.X509Certificate; privateKey: CryptoKey; created: boolean }> {
  const certPath = join(out, "ca.pem");
  const keyPath = join(out, "ca-key.pem");
  if (existsSync(certPath) !== existsSync(keyPath)) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      `${out} holds only one of ca.pem and ca-key.pem: restore the other, or start from an empty directory.`,
    );
  }
  if (existsSync(certPath)) {
    const cert = new x509.X509Certificate(readFileSync(certPath, "utf8"));
    const der = Buffer.from(
      readFileSync(keyPath, "utf8")
        .replace(/-----[^-]+-----/g, "")
        .replace(/\s+/g, ""),
      "base64",
    );
    const privateKey = await webcrypto.subtle.importKey("pkcs8", der, algorithm, false, ["sign"]);
    return { cert, privateKey, created: false };
  }
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "CN=Amstaff cluster CA",
    notBefore,
    notAfter: new Date(notBefore.getTime() + days * day),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  writePrivate(keyPath, await privateKeyPem(keys.privateKey));
  writePrivate(certPath, cert.toString("pem"));
  return { cert, privateKey: keys.privateKey, created: true };
}

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f; // a positive serial number (RFC 5280 §4.1.2.2)
  return Buffer.from(bytes).toString("hex");
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join("\n")}\n-----END PRIVATE KEY-----\n`;
}

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  // The mode of writeFileSync applies only when it creates the file, and the umask still narrows it.
  chmodSync(path, 0o600);
}

const nodesSchema = z
  .string()
  .regex(
    /^[\w.-]+=[^,=\s]+(\+[^,=\s+]+)*(,[\w.-]+=[^,=\s]+(\+[^,=\s+]+)*)*$/,
    "id=address[+address…],… e.g. a=10.0.0.1,b=10.0.0.2,c=host.example",
  );

const certsUsage = `Usage: amstaff-server certs --out <dir> --nodes <list> [--days <n>]

Makes the certificates of a cluster: a CA (ca.pem, ca-key.pem; reused when <dir> already has one,
so a node can be added later) and, per node, <id>.pem and <id>-key.pem, signed by that CA, common
name = the node id, subject alternative names = the node's addresses. Every file is 0600.

  --out <dir>      where to write the files (created 0700)
  --nodes <list>   a=10.0.0.1,b=10.0.0.2,c=host.example  (several addresses: a=10.0.0.1+a.example)
  --days <n>       validity of the node certificates (default 825)

Then start each node with its files, e.g. for node a:
  amstaff-server --node-id a --cluster-ca ca.pem --cluster-cert a.pem --cluster-key a-key.pem ...
Copy ca.pem to every node, each node's key only to that node, and keep ca-key.pem offline.
`;

/** `amstaff-server certs …`: parses the arguments, writes the files and prints what it wrote. */
export async function certsCommand(args: string[], print: (line: string) => void): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: "string" },
      nodes: { type: "string" },
      days: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return void print(certsUsage);
  const parsed = z
    .object({
      out: z.string().min(1, "required"),
      nodes: nodesSchema,
      days: z.coerce.number().int().min(1).max(3650).optional(),
    })
    .safeParse({ out: values.out ?? "", nodes: values.nodes ?? "", days: values.days });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  --${String(i.path[0])}: ${i.message}`).join("\n");
    throw new AmstaffError("AMS_ERR_REQUEST_INVALID", `invalid options:\n${issues}\n\n${certsUsage}`);
  }
  const nodes = parsed.data.nodes.split(",").map((entry) => {
    const at = entry.indexOf("=");
    return { id: entry.slice(0, at), addresses: entry.slice(at + 1).split("+") };
  });
  const written = await createClusterCertificates({ out: parsed.data.out, nodes, days: parsed.data.days });
  print(
    `${written.ca.created ? "created" : "reused"} the cluster CA: ${written.ca.cert} (key ${written.ca.key})`,
  );
  for (const node of written.nodes) print(`node ${node.id}: ${node.cert} (key ${node.key})`);
}
