import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TokenRegistry } from "./tokenRegistry.js";
import { createTokenEntry, hashToken, readTokensFile, revokeTokenEntry } from "./tokensFile.js";

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "amstaff-tokens-"));
  file = join(dir, "tokens.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the tokens file", () => {
  it("creates entries that keep only the token's SHA-256, owner-readable, and refuses a name twice", () => {
    const { token, entry } = createTokenEntry(
      file,
      { name: "ci", team: "payments", role: "write" },
      new Date("2026-12-06T00:00:00Z"),
    );
    expect(token).toMatch(/^ams_[\w-]{43}$/);
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain(token);
    expect(JSON.parse(text)).toEqual({
      tokens: [
        {
          name: "ci",
          team: "payments",
          role: "write",
          hash: hashToken(token),
          createdAt: "2026-12-06T00:00:00.000Z",
        },
      ],
    });
    expect(entry.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(() => createTokenEntry(file, { name: "ci", team: "search", role: "read" })).toThrow(
      'A token named "ci" is already in',
    );
    expect(() => createTokenEntry(file, { name: "x", team: "payments", role: "owner" })).toThrow(
      /Invalid token entry: .*role/,
    );
    expect(() => createTokenEntry(file, { name: "x", team: "pay ments", role: "read" })).toThrow(
      /Invalid token entry: .*team/,
    );
    expect(readTokensFile(file)).toHaveLength(1);
  });

  it("is validated with a message that names the file and the problem, never a hash", () => {
    const good = hashToken("a-token-of-sorts-0123456789");
    const cases: [unknown, RegExp][] = [
      [{ tokens: [{ name: "ci", team: "p", role: "write", hash: "plain-token-here" }] }, /tokens\.0\.hash/],
      [{ tokens: [{ name: "ci", team: "p", role: "boss", hash: good }] }, /tokens\.0\.role/],
      [
        {
          tokens: [
            { name: "ci", team: "p", role: "write", hash: good },
            { name: "ci", team: "q", role: "read", hash: hashToken("other-token-0123456789") },
          ],
        },
        /"ci" is used twice/,
      ],
      [{ tokens: [{ name: "ci", team: "p", role: "write", hash: good, token: "x" }] }, /invalid/],
      [[], /invalid/],
    ];
    for (const [content, message] of cases) {
      writeFileSync(file, JSON.stringify(content));
      expect(() => readTokensFile(file)).toThrow(message);
      try {
        readTokensFile(file);
      } catch (error) {
        expect((error as Error).message).not.toContain(good.slice(7));
      }
    }
    writeFileSync(file, "{");
    expect(() => readTokensFile(file)).toThrow(`The tokens file ${file} is not valid JSON.`);
    expect(() => readTokensFile(join(dir, "none.json"))).toThrow(
      /does not exist: create it with amstaff-server token create/,
    );
  });

  it("revokes by name", () => {
    createTokenEntry(file, { name: "a", team: "t", role: "read" });
    createTokenEntry(file, { name: "b", team: "t", role: "read" });
    expect(revokeTokenEntry(file, "a").name).toBe("a");
    expect(readTokensFile(file).map((e) => e.name)).toEqual(["b"]);
    expect(() => revokeTokenEntry(file, "a")).toThrow('No token named "a"');
  });
});

describe("TokenRegistry", () => {
  const clock = { now: () => now };
  let now = 0;

  it("resolves environment and file tokens to their principal, and picks up file changes on the next check", () => {
    now = 0;
    const { token: ci } = createTokenEntry(file, { name: "ci", team: "payments", role: "write" });
    const errors: string[] = [];
    const registry = new TokenRegistry({
      tokens: [{ name: "admin", team: "default", role: "admin", token: "admin-token-0123456789" }],
      file,
      clock,
      onReloadError: (message) => errors.push(message),
    });
    expect(registry.resolve("admin-token-0123456789")).toEqual({
      name: "admin",
      team: "default",
      role: "admin",
      source: "environment",
    });
    expect(registry.resolve(ci)).toEqual({ name: "ci", team: "payments", role: "write", source: "file" });
    expect(registry.resolve("not-a-token")).toBeUndefined();
    expect(registry.resolve(hashToken(ci))).toBeUndefined();

    const { token: ops } = createTokenEntry(file, { name: "ops", team: "payments", role: "operate" });
    revokeTokenEntry(file, "ci");
    now = 500; // within the recheck interval: the file is not read again yet
    expect(registry.resolve(ops)).toBeUndefined();
    now = 1_000;
    expect(registry.resolve(ops)).toMatchObject({ name: "ops", role: "operate" });
    expect(registry.resolve(ci)).toBeUndefined();
    expect(registry.counts()).toEqual({ admin: 1, write: 0, operate: 1, read: 0 });

    // A broken file is reported and the last good one kept; a removed file revokes its tokens.
    writeFileSync(file, "{ broken");
    now = 2_000;
    expect(registry.resolve(ops)).toMatchObject({ name: "ops" });
    expect(errors).toEqual([`The tokens file ${file} is not valid JSON.`]);
    rmSync(file);
    now = 3_000;
    expect(registry.resolve(ops)).toBeUndefined();
    expect(registry.resolve("admin-token-0123456789")).toMatchObject({ name: "admin" });
  });

  it("refuses two tokens with one name or one value, at start and on reload", () => {
    now = 0;
    const { token } = createTokenEntry(file, { name: "ci", team: "payments", role: "write" });
    expect(
      () =>
        new TokenRegistry({
          tokens: [{ name: "ci", team: "default", role: "write", token: "x".repeat(20) }],
          file,
          clock,
        }),
    ).toThrow(
      'Token name "ci" is used twice (a write token from the environment and a write token from the file)',
    );
    expect(
      () =>
        new TokenRegistry({
          tokens: [{ name: "admin", team: "default", role: "admin", token }],
          file,
          clock,
        }),
    ).toThrow('Tokens "admin" and "ci" have the same value');
    expect(() => new TokenRegistry({ tokens: [], file: join(dir, "missing.json"), clock })).toThrow(
      /does not exist/,
    );
  });
});
