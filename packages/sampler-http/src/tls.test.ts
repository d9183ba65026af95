import { isAmstaffError, type Sampler } from "@amstaff/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createCertificate, issuedCertificate } from "./__tests__/certificates.js";
import { reply, startServer } from "./__tests__/testServer.js";
import { httpSampler } from "./httpSampler.js";
import { httpPluginId, httpSamplerOptionsSchema } from "./options.js";

const samplers: Sampler[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(samplers.splice(0).map((sampler) => sampler.dispose?.()));
});

function sampler(options: Parameters<typeof httpSampler>[0]): Sampler {
  const created = httpSampler(options);
  samplers.push(created);
  return created;
}

/** `2026-11-27 01:35 UTC` for a date, as messages show it. */
function shown(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

describe("certificate expiry", () => {
  it("is critical when fewer days are left than criticalDays, naming the days and the date", async () => {
    const { ca, server: cert } = issuedCertificate(3);
    await using server = await startServer(reply(200, "UP"), cert);
    const result = await sampler({
      url: `${server.origin}/health`,
      ca: ca.cert,
      certificate: { warningDays: 30, criticalDays: 7 },
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(
      `TLS certificate expires in 2 days, on ${shown(cert.notAfter)}, within the critical threshold of 7 days (HTTP 200 in ${Math.round(result.value ?? 0)} ms)`,
    );
    expect(result.details?.certificate).toEqual({
      subject: "CN=127.0.0.1, O=Amstaff tests",
      issuer: "CN=Amstaff Test CA, O=Amstaff tests",
      validFrom: expect.any(String),
      validTo: cert.notAfter.toISOString().replace(/\.\d+Z$/, ".000Z"),
      daysLeft: 2,
    });
    expect(result.value).toBeTypeOf("number");
  });

  it("is warning when fewer days are left than warningDays", async () => {
    const { ca, server: cert } = issuedCertificate(20);
    await using server = await startServer(reply(200), cert);
    const result = await sampler({
      url: server.origin,
      ca: ca.cert,
      certificate: { warningDays: 30, criticalDays: 7 },
    }).probe();
    expect(result.status).toBe("warning");
    expect(result.message).toMatch(
      /^TLS certificate expires in 19 days, on \d{4}-\d\d-\d\d \d\d:\d\d UTC, within the warning threshold of 30 days \(HTTP 200 in \d+ ms\)$/,
    );
  });

  it("is ok with days to spare, and still says how many", async () => {
    const { ca, server: cert } = issuedCertificate(90);
    await using server = await startServer(reply(200), cert);
    const result = await sampler({
      url: server.origin,
      ca: ca.cert,
      certificate: { warningDays: 30 },
    }).probe();
    expect(result.status).toBe("ok");
    expect(result.message).toMatch(/^HTTP 200 in \d+ ms; TLS certificate expires in 89 days, on /);
    expect(result.details?.certificate).toMatchObject({ daysLeft: 89 });
  });

  it("keeps judging the certificate when a kept-alive connection is reused", async () => {
    const { ca, server: cert } = issuedCertificate(3);
    await using server = await startServer(reply(200), cert);
    const probe = sampler({ url: server.origin, ca: ca.cert, certificate: { criticalDays: 7 } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await probe.probe()).status);
    expect(statuses).toEqual(["critical", "critical", "critical", "critical"]);
    // undici replaces the very first TLS connection once; every later probe reuses the second.
    expect(server.connections()).toBeLessThan(4);
  });

  it("is critical for an expired certificate, saying so", async () => {
    const { ca, server: cert } = issuedCertificate(-2);
    await using server = await startServer(reply(200), cert);
    const result = await sampler({
      url: server.origin,
      ca: ca.cert,
      certificate: { warningDays: 30 },
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`TLS certificate of 127.0.0.1:${server.port} has expired (CERT_HAS_EXPIRED)`);
  });

  it("reports how long ago an expired certificate expired when verification is off", async () => {
    const { server: cert } = issuedCertificate(-2);
    await using server = await startServer(reply(200), cert);
    const result = await sampler({
      url: server.origin,
      insecure: true,
      certificate: { criticalDays: 7 },
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toMatch(/^TLS certificate expired 2 days ago, on .* UTC \(HTTP 200 in \d+ ms\)$/);
    expect(result.details?.certificate).toMatchObject({ daysLeft: -2 });
  });

  it("combines with a failing HTTP status, the worse leading", async () => {
    const { ca, server: cert } = issuedCertificate(20);
    await using server = await startServer(reply(503), cert);
    const result = await sampler({
      url: server.origin,
      ca: ca.cert,
      certificate: { warningDays: 30 },
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toMatch(
      /^HTTP 503 from GET https:\/\/127\.0\.0\.1:\d+\/ \(expected 2xx\); TLS certificate expires in 19 days, on .*, within the warning threshold of 30 days$/,
    );
  });
});

describe("trust", () => {
  it("is critical for a self-signed certificate without ca, saying it is not trusted", async () => {
    const cert = createCertificate();
    await using server = await startServer(reply(200), cert);
    const result = await sampler({ url: server.origin }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(
      `TLS certificate of 127.0.0.1:${server.port} is not trusted: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT); give the CA that signed it as \`ca\``,
    );
  });

  it("is critical for a certificate from an unknown CA", async () => {
    const { server: cert } = issuedCertificate(90);
    await using server = await startServer(reply(200), cert);
    const result = await sampler({ url: server.origin }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toMatch(/is not trusted: .*\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\); give the CA/);
  });

  it("trusts a self-signed certificate given as ca", async () => {
    const cert = createCertificate();
    await using server = await startServer(reply(200, "UP"), cert);
    const result = await sampler({ url: server.origin, ca: cert.cert, expect: { contains: "UP" } }).probe();
    expect(result.status, result.message).toBe("ok");
    expect(result.details?.certificate).toMatchObject({ subject: "CN=127.0.0.1, O=Amstaff tests" });
  });

  it("trusts a private CA given as ca, also through a secret", async () => {
    const { ca, server: cert } = issuedCertificate(90);
    await using server = await startServer(reply(200), cert);
    vi.stubEnv("AMSTAFF_TEST_CA", ca.cert);
    const result = await sampler({ url: server.origin, ca: { $secret: "AMSTAFF_TEST_CA" } }).probe();
    expect(result.status, result.message).toBe("ok");
    expect(result.message).toMatch(/^HTTP 200 in \d+ ms$/);
  });

  it("replaces the system trust store with ca: another CA's certificate is refused", async () => {
    const { server: cert } = issuedCertificate(90, "Some CA");
    const { ca: otherCa } = issuedCertificate(90, "Other CA");
    await using server = await startServer(reply(200), cert);
    const result = await sampler({ url: server.origin, ca: otherCa.cert }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toMatch(/is not trusted/);
  });

  it("is critical for a certificate issued for another host", async () => {
    const ca = createCertificate({ commonName: "CA", ca: true });
    const cert = createCertificate({ issuer: ca, hosts: ["api.example.com"] });
    await using server = await startServer(reply(200), cert);
    const result = await sampler({ url: server.origin, ca: ca.cert }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toMatch(
      new RegExp(
        `^TLS certificate of 127\\.0\\.0\\.1:${server.port} is not valid for 127\\.0\\.0\\.1: .*\\(ERR_TLS_CERT_ALTNAME_INVALID\\)$`,
      ),
    );
  });

  it("accepts any certificate with insecure, and still reports its days left", async () => {
    const cert = createCertificate({ hosts: ["elsewhere.example"] });
    await using server = await startServer(reply(200), cert);
    const result = await sampler({
      url: server.origin,
      insecure: true,
      certificate: { warningDays: 30 },
    }).probe();
    expect(result.status, result.message).toBe("ok");
    expect(result.message).toMatch(/; TLS certificate expires in 89 days, on /);
    expect(result.details?.certificate).toMatchObject({
      daysLeft: 89,
      subject: "CN=127.0.0.1, O=Amstaff tests",
    });
  });

  it("refuses a secret ca that is not PEM, without showing it", () => {
    vi.stubEnv("AMSTAFF_TEST_CA", "hunter2-not-a-certificate");
    let thrown: unknown;
    try {
      httpSampler({ url: "https://127.0.0.1/", ca: { $secret: "AMSTAFF_TEST_CA" } });
    } catch (error) {
      thrown = error;
    }
    expect(isAmstaffError(thrown, "AMS_ERR_PLUGIN_OPTIONS")).toBe(true);
    expect((thrown as Error).message).toMatch(/ca: the secret does not hold a PEM certificate/);
    expect((thrown as Error).message).not.toContain("hunter2");
  });
});

describe("TLS options", () => {
  const parse = (options: unknown) => httpSamplerOptionsSchema.safeParse(options);
  const issues = (options: unknown) =>
    parse(options).error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);

  it("default to the system trust store, verification on and no expiry judgement", () => {
    expect(parse({ url: "https://x/" }).data).toEqual({
      url: "https://x/",
      method: "GET",
      timeout: "10s",
      followRedirects: true,
      maxBodyBytes: 1024 * 1024,
      insecure: false,
    });
  });

  it("reject thresholds in the wrong order, a ca that is not PEM, and TLS options on http://", () => {
    expect(issues({ url: "https://x/", certificate: { warningDays: 7, criticalDays: 30 } })).toEqual([
      "certificate: warningDays must be greater than criticalDays (warning comes first, as expiry approaches)",
    ]);
    expect(issues({ url: "https://x/", ca: "not a certificate" })).toEqual([
      "ca: a PEM certificate (-----BEGIN CERTIFICATE----- ...)",
    ]);
    expect(issues({ url: "http://x/", certificate: {}, insecure: true })).toEqual([
      "certificate: applies to https:// URLs only",
      "insecure: applies to https:// URLs only",
    ]);
    expect(issues({ url: "https://x/", insecure: true, ca: { $secret: "CA" } })).toEqual([
      "ca: has no effect with insecure: true, which skips verification; remove one of them",
    ]);
    expect(httpPluginId).toBe("@amstaff/sampler-http");
  });
});
