import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseServerFlags, serverOptions } from "./options.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const options = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  serverOptions(parseServerFlags(["--log-level", "silent", ...args]), env);

describe("amstaff-server --etcd", () => {
  it("runs on etcd with its prefix, CA and user; the password comes from AMSTAFF_ETCD_PASSWORD only", () => {
    const dir = mkdtempSync(join(tmpdir(), "amstaff-etcd-flags-"));
    dirs.push(dir);
    writeFileSync(join(dir, "ca.pem"), "the CA");
    const { etcd } = options(
      [
        "--etcd",
        "https://10.0.0.1:2379,https://10.0.0.2:2379",
        "--etcd-prefix",
        "/amstaff/prod",
        "--etcd-ca",
        join(dir, "ca.pem"),
        "--etcd-user",
        "amstaff",
      ],
      { AMSTAFF_ETCD_PASSWORD: "s3cret" },
    );
    expect(etcd).toMatchObject({
      endpoints: ["https://10.0.0.1:2379", "https://10.0.0.2:2379"],
      prefix: "/amstaff/prod",
      user: "amstaff",
      password: "s3cret",
    });
    expect(Buffer.from(etcd!.ca!).toString()).toBe("the CA");
  });

  it("reads the same from AMSTAFF_ETCD and AMSTAFF_ETCD_PREFIX; without them, no etcd", () => {
    expect(
      options([], { AMSTAFF_ETCD: "http://127.0.0.1:2379", AMSTAFF_ETCD_PREFIX: "/a" }).etcd,
    ).toMatchObject({
      endpoints: ["http://127.0.0.1:2379"],
      prefix: "/a",
    });
    expect(options([]).etcd).toBeUndefined();
  });

  it("refuses endpoints that are not URLs, and a client certificate without its key", () => {
    expect(() => options(["--etcd", "10.0.0.1:2379"])).toThrow(/--etcd: http\(s\):\/\/host:port/);
    const dir = mkdtempSync(join(tmpdir(), "amstaff-etcd-flags-"));
    dirs.push(dir);
    writeFileSync(join(dir, "cert.pem"), "a certificate");
    expect(() => options(["--etcd", "https://10.0.0.1:2379", "--etcd-cert", join(dir, "cert.pem")])).toThrow(
      /both --etcd-cert and --etcd-key/,
    );
  });
});
