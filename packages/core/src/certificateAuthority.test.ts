import { describe, expect, it } from "vitest";
import { certificateAuthoritySchema, requirePemCertificate } from "./certificateAuthority.js";
import { isAmstaffError } from "./errors.js";

describe("certificate authority options", () => {
  it("accept a PEM certificate or a secret reference, and refuse other text", () => {
    expect(certificateAuthoritySchema.safeParse("-----BEGIN CERTIFICATE-----\nMIIB...").success).toBe(true);
    expect(certificateAuthoritySchema.safeParse({ $secret: "INTERNAL_CA" }).success).toBe(true);
    expect(certificateAuthoritySchema.safeParse("not a pem").error?.issues[0]?.message).toBe(
      "a PEM certificate (-----BEGIN CERTIFICATE----- ...)",
    );
  });

  it("refuse a resolved secret that holds no PEM certificate, without showing it", () => {
    expect(() =>
      requirePemCertificate("@amstaff/sampler-x", ["ca"], "-----BEGIN CERTIFICATE-----"),
    ).not.toThrow();
    expect(() => requirePemCertificate("@amstaff/sampler-x", ["ca"], undefined)).not.toThrow();
    try {
      requirePemCertificate("@amstaff/sampler-x", ["tls", "ca"], "hunter2");
      expect.unreachable();
    } catch (error) {
      expect(isAmstaffError(error) && error.code).toBe("AMS_ERR_PLUGIN_OPTIONS");
      expect((error as Error).message).toBe(
        "Invalid options for @amstaff/sampler-x: tls.ca: the secret does not hold a PEM certificate (-----BEGIN CERTIFICATE----- ...)",
      );
      expect((error as Error).message).not.toContain("hunter2");
    }
  });
});
