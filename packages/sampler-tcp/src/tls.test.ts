import { describe, expect, it } from "vitest";
import { issuedCertificate, startTlsServer } from "./__tests__/servers.js";
import { tcpSampler } from "./tcpSampler.js";

/** `2026-11-27 01:35 UTC` for a date, as messages show it. */
function shown(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

describe("TLS", () => {
  it("verifies the server against the given CA and reports the certificate and protocol", async () => {
    const certificate = await issuedCertificate(90);
    await using server = await startTlsServer(certificate, (socket) =>
      socket.write("* OK IMAP4rev1 ready\r\n"),
    );
    const result = await tcpSampler({
      host: "127.0.0.1",
      port: server.port,
      tls: { ca: certificate.ca },
      expect: { matches: "^\\* OK" },
    }).probe();
    expect(result.status).toBe("ok");
    expect(result.message).toMatch(/ replied in \d+ ms$/);
    expect(result.details).toMatchObject({
      tlsProtocol: "TLSv1.3",
      certificate: { subject: "CN=127.0.0.1", issuer: "CN=Amstaff Test CA", daysLeft: 89 },
    });
  });

  it("is critical when the certificate is not trusted, saying how to trust it", async () => {
    const certificate = await issuedCertificate(90);
    await using server = await startTlsServer(certificate, (socket) => socket.end());
    const result = await tcpSampler({ host: "127.0.0.1", port: server.port, tls: {} }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toMatch(
      new RegExp(
        `^TLS certificate of 127\\.0\\.0\\.1:${server.port} is not trusted: .*; give the CA that signed it as \`tls\\.ca\`$`,
      ),
    );
  });

  it("checks the certificate against servername", async () => {
    const certificate = await issuedCertificate(90);
    await using server = await startTlsServer(certificate, (socket) => socket.end());
    const result = await tcpSampler({
      host: "127.0.0.1",
      port: server.port,
      tls: { ca: certificate.ca, servername: "mail.example.com" },
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toMatch(/is not valid for/);
  });

  it("judges the days left with certificate thresholds", async () => {
    const soon = await issuedCertificate(3);
    await using server = await startTlsServer(soon, (socket) => socket.end());
    const options = { host: "127.0.0.1", port: server.port };
    const critical = await tcpSampler({
      ...options,
      tls: { ca: soon.ca, certificate: { warningDays: 30, criticalDays: 7 } },
    }).probe();
    expect(critical.status).toBe("critical");
    expect(critical.message).toBe(
      `TLS certificate expires in 2 days, on ${shown(soon.notAfter)}, within the critical threshold of 7 days`,
    );
    const ok = await tcpSampler({
      ...options,
      tls: { ca: soon.ca, certificate: { criticalDays: 1 } },
    }).probe();
    expect(ok.status).toBe("ok");
    expect(ok.message).toMatch(/accepted the connection in \d+ ms; TLS certificate expires in 2 days, on /);
  });

  it("with insecure, accepts an untrusted certificate and still judges its expiry", async () => {
    const certificate = await issuedCertificate(20);
    await using server = await startTlsServer(certificate, (socket) => socket.end());
    const result = await tcpSampler({
      host: "127.0.0.1",
      port: server.port,
      tls: { insecure: true, certificate: { warningDays: 30 } },
    }).probe();
    expect(result.status).toBe("warning");
    expect(result.message).toMatch(
      /^TLS certificate expires in 19 days, .*within the warning threshold of 30 days$/,
    );
  });

  it("reads the CA from a secret", async () => {
    const certificate = await issuedCertificate(90);
    await using server = await startTlsServer(certificate, (socket) => socket.end());
    process.env.AMSTAFF_TEST_TCP_CA = certificate.ca;
    try {
      const result = await tcpSampler({
        host: "127.0.0.1",
        port: server.port,
        tls: { ca: { $secret: "AMSTAFF_TEST_TCP_CA" } },
      }).probe();
      expect(result.status).toBe("ok");
    } finally {
      delete process.env.AMSTAFF_TEST_TCP_CA;
    }
  });
});
