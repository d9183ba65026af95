import { webcrypto } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import * as x509 from "@peculiar/x509";
import { type WebSocket, WebSocketServer } from "ws";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** A real `ws` server on 127.0.0.1; `await using` closes it and drops its connections. */
export interface TestWsServer extends AsyncDisposable {
  /** `ws://127.0.0.1:<port>` or `wss://...`. */
  origin: string;
  /** The handshake requests received. */
  handshakes: IncomingMessage[];
  /** The messages received, as text. */
  received: string[];
}

/** What a test server does with each connection; `request` is its handshake. */
export type OnConnection = (socket: WebSocket, request: IncomingMessage) => void;

/** Options of {@link startWsServer}. */
export interface WsServerOptions {
  /** Serve wss:// with this certificate. */
  tls?: { cert: string; key: string };
  /** Refuses handshakes without this `authorization` header, with a 401. */
  authorization?: string;
  /** Subprotocols the server accepts. */
  subprotocols?: string[];
}

/** Starts a `ws` server on a free loopback port. */
export async function startWsServer(
  onConnection: OnConnection,
  options: WsServerOptions = {},
): Promise<TestWsServer> {
  const http: Server = options.tls ? createHttpsServer(options.tls) : createHttpServer();
  const handshakes: IncomingMessage[] = [];
  const received: string[] = [];
  const wss = new WebSocketServer({
    server: http,
    verifyClient: ({ req }, done) => {
      handshakes.push(req);
      if (options.authorization !== undefined && req.headers.authorization !== options.authorization) {
        done(false, 401, "Unauthorized");
      } else done(true);
    },
    ...(options.subprotocols && {
      handleProtocols: (offered: Set<string>) => options.subprotocols?.find((p) => offered.has(p)) ?? false,
    }),
  });
  wss.on("connection", (socket, request) => {
    socket.on("message", (data) => received.push(data.toString()));
    socket.on("error", () => {});
    onConnection(socket, request);
  });
  // A client that refuses the certificate aborts the handshake: expected in these tests.
  http.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as { port: number };
  return {
    origin: `${options.tls ? "wss" : "ws"}://127.0.0.1:${port}`,
    handshakes,
    received,
    [Symbol.asyncDispose]: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

/** A self-signed certificate for 127.0.0.1 (its own CA), with its key, in PEM. */
export async function selfSignedCertificate(): Promise<{ cert: string; key: string }> {
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=127.0.0.1",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 30 * 86_400_000),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.SubjectAlternativeNameExtension([{ type: "ip", value: "127.0.0.1" }]),
    ],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64");
  const key = `-----BEGIN PRIVATE KEY-----\n${der.match(/.{1,64}/g)?.join("\n")}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString("pem"), key };
}
