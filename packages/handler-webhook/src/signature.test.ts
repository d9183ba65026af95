import { describe, expect, it } from "vitest";
import { signWebhookBody, verifyWebhookSignature } from "./signature.js";

const body = '{"version":1,"type":"transition"}';
const secret = "whsec_0123456789";
const now = Date.parse("2026-11-24T01:00:00Z");

describe("verifyWebhookSignature", () => {
  it("accepts a fresh signature of the same body", () => {
    const header = signWebhookBody(body, secret, now);
    expect(header).toBe(`t=${now / 1000},v1=${header.split("v1=")[1]}`);
    expect(verifyWebhookSignature(body, header, secret, { now: now + 60_000 })).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(body), header, secret, { now })).toBe(true);
  });

  it("rejects a tampered body, a wrong secret and a garbled header", () => {
    const header = signWebhookBody(body, secret, now);
    expect(verifyWebhookSignature(`${body} `, header, secret, { now })).toBe(false);
    expect(verifyWebhookSignature(body, header, "other", { now })).toBe(false);
    expect(
      verifyWebhookSignature(body, header.replace(/t=\d+/, `t=${now / 1000 + 1}`), secret, { now }),
    ).toBe(false);
    expect(verifyWebhookSignature(body, "v1=abc", secret, { now })).toBe(false);
    expect(verifyWebhookSignature(body, undefined, secret, { now })).toBe(false);
    expect(verifyWebhookSignature(body, header, "", { now })).toBe(false);
  });

  it("rejects a signature older than the tolerance, so captured requests cannot be replayed", () => {
    const header = signWebhookBody(body, secret, now);
    expect(verifyWebhookSignature(body, header, secret, { now: now + 301_000 })).toBe(false);
    expect(verifyWebhookSignature(body, header, secret, { now: now + 301_000, toleranceSeconds: 600 })).toBe(
      true,
    );
    expect(
      verifyWebhookSignature(body, header, secret, { now: now + 86_400_000, toleranceSeconds: Infinity }),
    ).toBe(true);
  });

  it("accepts any of several v1 signatures, for secret rotation", () => {
    const withNew = signWebhookBody(body, "new-secret", now);
    const withOld = signWebhookBody(body, "old-secret", now).split(",")[1];
    const header = `${withNew},${withOld}`;
    expect(verifyWebhookSignature(body, header, "old-secret", { now })).toBe(true);
    expect(verifyWebhookSignature(body, header, "new-secret", { now })).toBe(true);
  });
});
