import { webcrypto } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const day = 24 * 60 * 60 * 1000;

/** A loopback TCP (or TLS) server a test talks to; `await using` closes it and drops its connections. */
export interface TestServer extends AsyncDisposable {
  port: number;
}

async function listen(server: Server): Promise<TestServer> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Starts a plain TCP server on 127.0.0.1 that hands each connection to `onConnection`. */
export function startTcpServer(onConnection: (socket: Socket) => void): Promise<TestServer> {
  return listen(
    createServer((socket) => {
      socket.on("error", () => {});
      onConnection(socket);
    }),
  );
}

/** Starts a TLS server on 127.0.0.1 with `certificate`, handing each connection to `onConnection`. */
export function startTlsServer(
  certificate: { cert: string; key: string },
  onConnection: (socket: Socket) => void,
): Promise<TestServer> {
  const server = createTlsServer(certificate, (socket) => {
    socket.on("error", () => {});
    onConnection(socket);
  });
  // A client that refuses the certificate aborts the handshake: expected in these tests.
  server.on("tlsClientError", () => {});
  return listen(server);
}

function pem(label: string, der: ArrayBuffer): string {
  const lines =
    Buffer.from(der)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** A test CA and a server certificate for 127.0.0.1 and localhost it issued, valid for `days` more days. */
export async function issuedCertificate(
  days = 90,
): Promise<{ ca: string; cert: string; key: string; notAfter: Date }> {
  const caKeys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=Amstaff Test CA",
    notBefore: new Date(Date.now() - 30 * day),
    notAfter: new Date(Date.now() + 3650 * day),
    keys: caKeys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const notAfter = new Date(Date.now() + days * day);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: "02",
    subject: "CN=127.0.0.1",
    issuer: caCert.subject,
    notBefore: new Date(Math.min(Date.now(), notAfter.getTime()) - 10 * day),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: "ip", value: "127.0.0.1" },
        { type: "dns", value: "localhost" },
      ]),
    ],
  });
  return {
    ca: caCert.toString("pem"),
    cert: cert.toString("pem"),
    key: pem("PRIVATE KEY", await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)),
    notAfter,
  };
}
