import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { generate } from "selfsigned";
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from "smtp-server";

/** One message the test SMTP server accepted. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** Whether the session was encrypted (implicit TLS or STARTTLS) when the message was sent. */
  secure: boolean;
  /** The AUTH mechanism and user of the session, when it authenticated. */
  auth?: { method: string; user: string } | undefined;
  raw: string;
  parsed: ParsedMail;
}

/** An SMTP reply the server answers with instead of accepting. */
export interface SmtpReply {
  code: number;
  message: string;
}

export interface SmtpServerOptions {
  /** `none`: plain SMTP without STARTTLS; `starttls`: offers STARTTLS; `implicit`: TLS from the start. */
  tls?: "none" | "starttls" | "implicit";
  /**
   * The AUTH mechanisms offered.
   * @default ["PLAIN", "LOGIN"]
   */
  authMethods?: string[];
  /** When set, AUTH PLAIN / LOGIN is required with these credentials (any password when `pass` is unset). */
  credentials?: { user: string; pass?: string };
  /** Answers RCPT TO for an address; `undefined` accepts it. */
  rcpt?: (address: string) => SmtpReply | undefined;
  /** Answers the end of DATA; `undefined` accepts the message. */
  data?: (mail: Omit<ReceivedMail, "parsed">) => SmtpReply | undefined;
}

/** A real SMTP server (the `smtp-server` package) on 127.0.0.1 that records what it accepts. */
export interface SmtpFixture {
  port: number;
  messages: ReceivedMail[];
  /** Credentials that were tried, accepted or not. */
  authAttempts: { method: string; user: string; pass: string | undefined }[];
  /** PEM certificate of the server, self-signed for `localhost` and 127.0.0.1. */
  cert: string;
  close(): Promise<void>;
}

let certificate: Promise<{ key: string; cert: string }> | undefined;

/** A self-signed certificate for localhost and 127.0.0.1, generated once per test file. */
export function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  certificate ??= generate([{ name: "commonName", value: "localhost" }], {
    keySize: 2048,
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return certificate;
}

const open = new Set<SMTPServer>();

function reply({ code, message }: SmtpReply): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Starts an SMTP server on a free port. Close it with {@link closeSmtpServers} in `afterEach`. */
export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<SmtpFixture> {
  const mode = options.tls ?? "none";
  const { key, cert } = await selfSignedCertificate();
  const messages: ReceivedMail[] = [];
  const authAttempts: SmtpFixture["authAttempts"] = [];
  const users = new WeakMap<SMTPServerSession, { method: string; user: string }>();

  const server = new SMTPServer({
    logger: false,
    secure: mode === "implicit",
    ...(mode === "none" ? {} : { key, cert }),
    disabledCommands: [...(mode === "none" ? ["STARTTLS"] : []), ...(options.credentials ? [] : ["AUTH"])],
    ...(options.credentials
      ? { authMethods: options.authMethods ?? ["PLAIN", "LOGIN"], allowInsecureAuth: true }
      : { authOptional: true }),
    onAuth(auth: SMTPServerAuthentication, session, callback) {
      authAttempts.push({ method: auth.method, user: auth.username ?? "", pass: auth.password ?? undefined });
      const expected = options.credentials;
      if (
        expected &&
        auth.username === expected.user &&
        (expected.pass === undefined || auth.password === expected.pass)
      ) {
        users.set(session, { method: auth.method, user: auth.username });
        callback(null, { user: auth.username });
      } else {
        callback(reply({ code: 535, message: "5.7.8 Authentication credentials invalid" }));
      }
    },
    onRcptTo(address, _session, callback) {
      const answer = options.rcpt?.(address.address);
      callback(answer ? reply(answer) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const envelope = session.envelope;
        const mail = {
          from: envelope.mailFrom ? envelope.mailFrom.address : "",
          to: envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          auth: users.get(session),
          raw,
        };
        const answer = options.data?.(mail);
        if (answer) return callback(reply(answer));
        simpleParser(raw).then(
          (parsed) => {
            messages.push({ ...mail, parsed });
            callback(null, "2.0.0 Ok: queued");
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  server.on("error", () => {});
  open.add(server);
  const net = await new Promise<ReturnType<SMTPServer["listen"]>>((resolve) => {
    const listening = server.listen(0, "127.0.0.1", () => resolve(listening));
  });
  const { port } = net.address() as AddressInfo;
  return {
    port,
    messages,
    authAttempts,
    cert,
    close: () => closeServer(server),
  };
}

function closeServer(server: SMTPServer): Promise<void> {
  if (!open.delete(server)) return Promise.resolve();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Closes every SMTP server still open. */
export async function closeSmtpServers(): Promise<void> {
  await Promise.all([...open].map(closeServer));
}
