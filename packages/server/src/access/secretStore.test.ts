import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAmstaffError } from "@amstaff/core";
import { afterEach, describe, expect, it } from "vitest";
import { globMatches, grantPatternOf } from "./secretGrants.js";
import { secretReferenceWarnings } from "./secretReferences.js";
import { SecretStore } from "./secretStore.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "amstaff-secrets-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const userService = { module: "User Service", team: undefined };

/** The server's own environment, as a hostile module would like to read it. */
const serverEnv = {
  AMSTAFF_TOKEN: "admin-token-0123456789",
  AMSTAFF_CLUSTER_SECRET: "cluster-secret-0123456789",
  HOME: "/root",
  SLACK_TOKEN: "xoxb-plain-variable",
  AMSTAFF_SECRET_SLACK_TOKEN: "xoxb-from-the-store",
  AMSTAFF_SECRET_AMSTAFF_TOKEN: "sneaky",
};

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("SecretStore", () => {
  it("reads secrets only from AMSTAFF_SECRET_* variables, never the server's settings or other variables", () => {
    const warnings: string[] = [];
    const store = new SecretStore({
      env: serverEnv,
      grants: { SLACK_TOKEN: { modules: ["*"] }, HOME: { modules: ["*"] } },
      onWarning: (m) => warnings.push(m),
    });
    expect(store.names()).toEqual(["SLACK_TOKEN"]);
    expect(store.access("SLACK_TOKEN", userService)).toEqual({ ok: true, value: "xoxb-from-the-store" });
    expect(store.access("HOME", userService)).toMatchObject({ ok: false, code: "AMS_ERR_SECRET_MISSING" });
    for (const name of ["AMSTAFF_TOKEN", "AMSTAFF_CLUSTER_SECRET"]) {
      const denied = store.access(name, userService);
      expect(denied).toMatchObject({ ok: false, code: "AMS_ERR_SECRET_MISSING" });
      expect(!denied.ok && denied.reason).toContain("the server's own settings");
    }
    // AMSTAFF_SECRET_AMSTAFF_TOKEN does not make AMSTAFF_TOKEN nameable.
    expect(warnings.join("\n")).toContain("AMSTAFF_SECRET_AMSTAFF_TOKEN is ignored");
    for (const value of Object.values(serverEnv)) expect(warnings.join("\n")).not.toContain(value);
  });

  it("denies by default, with the same reason whether or not the secret exists, and says how to grant", () => {
    const store = new SecretStore({ env: serverEnv });
    const stored = store.access("SLACK_TOKEN", userService);
    const absent = store.access("NOT_THERE", userService);
    expect(stored).toMatchObject({ ok: false, code: "AMS_ERR_SECRET_NOT_GRANTED" });
    expect(absent).toMatchObject({ ok: false, code: "AMS_ERR_SECRET_NOT_GRANTED" });
    expect(!stored.ok && stored.reason).toBe(
      'secret("SLACK_TOKEN") is not granted to module "User Service": an operator must put it in the server\'s secret store (AMSTAFF_SECRET_SLACK_TOKEN, or a file SLACK_TOKEN in the secrets directory) and grant it, e.g. { "SLACK_TOKEN": { "modules": ["User Service"] } } in the secret grants',
    );
    expect(!absent.ok && absent.reason.replaceAll("NOT_THERE", "X")).toBe(
      !stored.ok && stored.reason.replaceAll("SLACK_TOKEN", "X"),
    );
    expect(store.check("SLACK_TOKEN", userService)).toEqual({
      ok: false,
      reason: !stored.ok && stored.reason,
    });
  });

  it("grants by module name to team default's modules only, and to another team's as team/name", () => {
    const store = new SecretStore({
      env: { AMSTAFF_SECRET_A: "a-value", AMSTAFF_SECRET_B: "b-value", AMSTAFF_SECRET_C: "c-value" },
      grants: {
        A: { modules: ["payments-*", "*"] },
        B: { modules: ["payments/payments-*", "pay*/Checkout"] },
        C: { modules: ["*/Shared"] },
      },
    });
    // A name is the pushing team's choice: "payments-*" alone does not reach team search's "payments-x".
    expect(store.access("A", { module: "payments-x", team: "search" })).toMatchObject({
      ok: false,
      code: "AMS_ERR_SECRET_NOT_GRANTED",
      reason: expect.stringContaining('{ "A": { "modules": ["search/payments-x"] } }'),
    });
    expect(store.access("A", { module: "anything", team: "payments" }).ok).toBe(false);
    expect(store.access("A", { module: "payments-x", team: "default" }).ok).toBe(true);
    expect(store.access("A", { module: "payments-x", team: undefined }).ok).toBe(true);
    expect(store.access("B", { module: "payments-eu", team: "payments" }).ok).toBe(true);
    expect(store.access("B", { module: "Checkout", team: "payroll" }).ok).toBe(true);
    expect(store.access("B", { module: "payments-eu", team: "search" }).ok).toBe(false);
    expect(store.access("B", { module: "payments-eu", team: undefined }).ok).toBe(false);
    expect(store.access("B", { module: "payments-eu", team: "default" }).ok).toBe(false);
    expect(store.access("C", { module: "Shared", team: "search" }).ok).toBe(true);
    expect(store.access("C", { module: "Shared", team: "default" }).ok).toBe(true);
    expect(grantPatternOf("Checkout", "payments")).toBe("payments/Checkout");
    expect(grantPatternOf("Checkout", "default")).toBe("Checkout");
    expect(
      (thrown(() => new SecretStore({ env: {}, grants: { A: { modules: ["a/b/c"] } } })) as Error).message,
    ).toContain('one "/" at most');
  });

  it("grants to modules by exact name or glob, and to teams by name", () => {
    const store = new SecretStore({
      env: { AMSTAFF_SECRET_A: "a-value", AMSTAFF_SECRET_B: "b-value" },
      grants: JSON.stringify({
        A: { modules: ["User Service", "payments-*"] },
        B: { teams: ["payments"] },
      }),
    });
    expect(store.access("A", userService)).toEqual({ ok: true, value: "a-value" });
    expect(store.access("A", { module: "payments-eu" }).ok).toBe(true);
    expect(store.access("A", { module: "User Service 2" }).ok).toBe(false);
    expect(store.access("A", { module: "user service" }).ok).toBe(false);
    expect(store.access("B", { module: "anything", team: "payments" })).toEqual({
      ok: true,
      value: "b-value",
    });
    expect(store.access("B", { module: "anything", team: "checkout" })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('module "anything" or team "checkout"'),
    });
    expect(store.access("B", { module: "anything", team: undefined }).ok).toBe(false);
  });

  it("says a granted secret is missing from the store", () => {
    const store = new SecretStore({ env: {}, grants: { GONE: { modules: ["*"] } } });
    expect(store.access("GONE", userService)).toMatchObject({
      ok: false,
      code: "AMS_ERR_SECRET_MISSING",
      reason: expect.stringContaining("granted but not in the server's secret store"),
    });
  });

  it("reads a secrets directory at each use: trailing newline dropped, rotation seen, the file winning over the variable", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "DB_URL"), "postgres://u:first@db/app\n");
    const warnings: string[] = [];
    const store = new SecretStore({
      env: { AMSTAFF_SECRET_DB_URL: "from-env" },
      dir,
      grants: { DB_URL: { modules: ["*"] } },
      onWarning: (m) => warnings.push(m),
    });
    expect(warnings).toEqual([
      "Secret DB_URL is both AMSTAFF_SECRET_DB_URL and a file in the secrets directory: the file is used.",
    ]);
    expect(store.access("DB_URL", userService)).toEqual({ ok: true, value: "postgres://u:first@db/app" });
    writeFileSync(join(dir, "DB_URL"), "postgres://u:second@db/app\r\n");
    expect(store.access("DB_URL", userService)).toEqual({ ok: true, value: "postgres://u:second@db/app" });
  });

  it("follows Kubernetes' links inside the directory and refuses links out of it and unsafe names", () => {
    const root = tempDir();
    const dir = join(root, "mount");
    mkdirSync(join(dir, "..2026_12_06"), { recursive: true });
    writeFileSync(join(dir, "..2026_12_06", "API_KEY"), "k8s-value\n");
    symlinkSync("..2026_12_06", join(dir, "..data"));
    symlinkSync(join("..data", "API_KEY"), join(dir, "API_KEY"));
    writeFileSync(join(root, "outside"), "host-file-content");
    symlinkSync(join(root, "outside"), join(dir, "ESCAPE"));
    symlinkSync("/etc/hostname", join(dir, "HOSTNAME"));
    writeFileSync(join(dir, "not-a-name.txt"), "x");
    const warnings: string[] = [];
    const store = new SecretStore({
      env: {},
      dir,
      grants: { API_KEY: { modules: ["*"] }, ESCAPE: { modules: ["*"] }, HOSTNAME: { modules: ["*"] } },
      onWarning: (m) => warnings.push(m),
    });
    expect(store.access("API_KEY", userService)).toEqual({ ok: true, value: "k8s-value" });
    for (const name of ["ESCAPE", "HOSTNAME"]) {
      expect(store.access(name, userService)).toMatchObject({
        ok: false,
        code: "AMS_ERR_SECRET_MISSING",
        reason: `secret("${name}") in the secrets directory is a link that leads out of it; refused`,
      });
    }
    for (const name of ["../outside", "..data/API_KEY", "not-a-name.txt", "/etc/passwd"]) {
      expect(store.access(name, userService)).toMatchObject({ ok: false, code: "AMS_ERR_SECRET_MISSING" });
    }
    expect(warnings.join("\n")).toContain("leads out of it");
    expect(warnings.join("\n")).toContain("not-a-name.txt is ignored");
    expect(warnings.join("\n")).not.toContain("host-file-content");
  });

  it("refuses a broken grants file at start with a message that says what to write", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "grants.json"), '{ "SLACK_TOKEN": { "module": ["typo"] } }');
    const error = thrown(() => new SecretStore({ env: {}, dir }));
    expect(isAmstaffError(error, "AMS_ERR_SECRET_STORE")).toBe(true);
    expect((error as Error).message).toContain(
      `The secret grants in ${join(dir, "grants.json")} are invalid`,
    );
    expect((error as Error).message).toContain('"modules"');
    writeFileSync(join(dir, "grants.json"), "{ nope");
    expect((thrown(() => new SecretStore({ env: {}, dir })) as Error).message).toContain("not valid JSON");
    expect(
      (thrown(() => new SecretStore({ env: {}, grantsFile: join(dir, "missing.json") })) as Error).message,
    ).toContain("does not exist");
    expect((thrown(() => new SecretStore({ env: {}, dir: join(dir, "nope") })) as Error).message).toContain(
      "The secrets directory",
    );
    expect(
      (thrown(() => new SecretStore({ env: {}, grants: { AMSTAFF_TOKEN: { modules: ["*"] } } })) as Error)
        .message,
    ).toContain("server's own settings");
    expect((thrown(() => new SecretStore({ env: {}, grants: { X: {} } })) as Error).message).toContain(
      "grants nothing",
    );
  });

  it("re-reads the grants file when it changes: a revoked grant applies at once, a broken edit keeps the last good grants", () => {
    const dir = tempDir();
    const file = join(dir, "grants.json");
    writeFileSync(file, JSON.stringify({ HOOK: { modules: ["User Service"] } }));
    const warnings: string[] = [];
    const store = new SecretStore({
      env: { AMSTAFF_SECRET_HOOK: "hook-value" },
      dir,
      onWarning: (m) => warnings.push(m),
    });
    expect(store.grantsFile).toBe(file);
    expect(store.access("HOOK", userService).ok).toBe(true);
    const touch = (when: number) => utimesSync(file, when, when);
    writeFileSync(file, JSON.stringify({ HOOK: { modules: ["Other"] } }));
    touch(1_000);
    expect(store.access("HOOK", userService)).toMatchObject({
      ok: false,
      code: "AMS_ERR_SECRET_NOT_GRANTED",
    });
    writeFileSync(file, "{ broken");
    touch(2_000);
    expect(store.access("HOOK", { module: "Other" }).ok).toBe(true);
    expect(warnings.at(-1)).toContain("The previous grants stay in force");
    rmSync(file);
    expect(store.access("HOOK", { module: "Other" }).ok).toBe(false);
  });

  it("adds inline grants to the file's", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "grants.json"), JSON.stringify({ HOOK: { modules: ["A"] } }));
    const store = new SecretStore({
      env: { AMSTAFF_SECRET_HOOK: "v" },
      dir,
      grants: '{ "HOOK": { "modules": ["B"] } }',
    });
    expect(store.access("HOOK", { module: "A" }).ok).toBe(true);
    expect(store.access("HOOK", { module: "B" }).ok).toBe(true);
    expect(store.access("HOOK", { module: "C" }).ok).toBe(false);
  });
});

describe("globMatches", () => {
  it.each([
    ["*", "anything at all", true],
    ["payments-*", "payments-eu", true],
    ["payments-*", "payments", false],
    ["*-prod", "checkout-prod", true],
    ["a?c", "abc", true],
    ["a?c", "ac", false],
    ["*a*b*", "xxaxxbxx", true],
    ["*a*b*", "xxbxxaxx", false],
    ["User Service", "User Service", true],
    ["User Service", "User Service ", false],
    ["[abc]", "a", false],
  ])("%s matches %s: %s", (pattern, name, expected) => {
    expect(globMatches(pattern, name)).toBe(expected);
  });
});

describe("secretReferenceWarnings", () => {
  it("names each plain variable once with how to move it, and ungranted stored secrets, never a value", () => {
    const store = new SecretStore({
      env: { AMSTAFF_SECRET_STORED: "stored-value" },
      grants: { STORED: { modules: ["Payments"] } },
    });
    const warnings = secretReferenceWarnings(
      store,
      [
        { name: "Payments", secrets: ["SLACK_TOKEN", "STORED"] },
        { name: "Checkout", secrets: ["SLACK_TOKEN", "STORED", "UNKNOWN"] },
      ],
      { SLACK_TOKEN: "xoxb-plain-value", HOME: "/root" },
    );
    expect(warnings.map((w) => [w.secret, w.modules])).toEqual([
      ["SLACK_TOKEN", ["Payments", "Checkout"]],
      ["STORED", ["Checkout"]],
    ]);
    expect(warnings[0]?.message).toContain("Move it to AMSTAFF_SECRET_SLACK_TOKEN");
    expect(warnings[0]?.message).toContain('{ "SLACK_TOKEN": { "modules": ["Payments", "Checkout"] } }');
    expect(warnings[1]?.message).toContain('not granted to "Checkout"');
    for (const w of warnings) {
      expect(w.message).not.toContain("xoxb-plain-value");
      expect(w.message).not.toContain("stored-value");
    }
  });
});
