import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createClusterCertificates } from "./certs.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "amstaff-certs-unit-"));
  dirs.push(d);
  return d;
};

describe("createClusterCertificates", () => {
  it("issues node certificates for server and client use, named by node id, with the addresses as SANs", async () => {
    const out = tempDir();
    await createClusterCertificates({
      out,
      nodes: [{ id: "a", addresses: ["10.0.0.1", "a.example"] }],
    });
    const ca = new X509Certificate(readFileSync(join(out, "ca.pem")));
    const a = new X509Certificate(readFileSync(join(out, "a.pem")));
    expect(ca.ca).toBe(true);
    expect(a.ca).toBe(false);
    expect(a.checkIssued(ca)).toBe(true);
    expect(a.verify(ca.publicKey)).toBe(true);
    expect(a.subject).toBe("CN=a");
    expect(a.subjectAltName).toBe("IP Address:10.0.0.1, DNS:a.example");
    expect(a.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));
    expect(
      a.checkPrivateKey((await import("node:crypto")).createPrivateKey(readFileSync(join(out, "a-key.pem")))),
    ).toBe(true);
    for (const file of ["ca.pem", "ca-key.pem", "a.pem", "a-key.pem"]) {
      expect(statSync(join(out, file)).mode & 0o777).toBe(0o600);
    }
  });

  it("reuses the CA to add a node later, and never overwrites a node's files", async () => {
    const out = tempDir();
    const first = await createClusterCertificates({ out, nodes: [{ id: "a", addresses: ["127.0.0.1"] }] });
    const caBefore = readFileSync(join(out, "ca.pem"), "utf8");
    const second = await createClusterCertificates({ out, nodes: [{ id: "d", addresses: ["127.0.0.1"] }] });
    expect(first.ca.created).toBe(true);
    expect(second.ca.created).toBe(false);
    expect(readFileSync(join(out, "ca.pem"), "utf8")).toBe(caBefore);
    const ca = new X509Certificate(caBefore);
    expect(new X509Certificate(readFileSync(join(out, "d.pem"))).verify(ca.publicKey)).toBe(true);
    await expect(
      createClusterCertificates({ out, nodes: [{ id: "a", addresses: ["127.0.0.1"] }] }),
    ).rejects.toThrow(/a\.pem already exists/);
    await expect(
      createClusterCertificates({ out, nodes: [{ id: "a b", addresses: ["x"] }] }),
    ).rejects.toThrow(/not a node id/);
  });
});
