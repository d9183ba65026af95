import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFileAccess } from "./fileAccess.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function layout() {
  const base = mkdtempSync(join(tmpdir(), "amstaff-files-"));
  dirs.push(base);
  const root = join(base, "root");
  const dataDir = join(root, "data");
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, "raft.db"), "");
  writeFileSync(join(root, "app.db"), "");
  writeFileSync(join(base, "outside.db"), "");
  return { base, root, dataDir };
}

describe("createFileAccess", () => {
  it("allows real paths under a root, relative ones included, and files not created yet", () => {
    const { root, dataDir } = layout();
    const files = createFileAccess({ roots: [root], dataDir });
    expect(files.resolve(join(root, "app.db"))).toEqual({ ok: true, path: join(root, "app.db") });
    expect(files.resolve(relative(process.cwd(), join(root, "app.db")))).toEqual({
      ok: true,
      path: join(root, "app.db"),
    });
    expect(files.resolve(join(root, "later", "new.db"))).toEqual({
      ok: true,
      path: join(root, "later", "new.db"),
    });
  });

  it("refuses the data directory even under a root, through a symlink or ..", () => {
    const { root, dataDir } = layout();
    symlinkSync(dataDir, join(root, "innocent"));
    const files = createFileAccess({ roots: [root, "/"], dataDir });
    for (const path of [
      join(dataDir, "raft.db"),
      join(root, "innocent", "raft.db"),
      join(root, "x", "..", "data"),
    ]) {
      const resolved = files.resolve(path);
      expect(resolved.ok, path).toBe(false);
      expect(!resolved.ok && resolved.reason).toMatch(/inside the server's data directory/);
    }
  });

  it("refuses what is outside every root, a symlink out of a root included, without saying where it leads", () => {
    const { base, root, dataDir } = layout();
    symlinkSync(join(base, "outside.db"), join(root, "out.db"));
    const files = createFileAccess({ roots: [root], dataDir });
    expect(files.resolve(join(base, "outside.db"))).toEqual({
      ok: false,
      reason:
        "it is outside every --sqlite-root of this server; its operator can allow its directory with --sqlite-root",
    });
    // A root's name as a prefix of another directory's is not that root.
    expect(files.resolve(`${root}-evil/app.db`).ok).toBe(false);
    const viaLink = files.resolve(join(root, "out.db"));
    expect(viaLink).toEqual({
      ok: false,
      reason:
        "it is outside every --sqlite-root of this server (after following symlinks); its operator can allow its directory with --sqlite-root",
    });
  });

  it("refuses everything without roots, and a root that does not exist at start", () => {
    const { root, dataDir } = layout();
    expect(createFileAccess({ dataDir }).resolve(join(root, "app.db"))).toEqual({
      ok: false,
      reason:
        "this server opens no SQLite files; its operator allows a directory with --sqlite-root <dir> (or AMSTAFF_SQLITE_ROOTS)",
    });
    expect(() => createFileAccess({ roots: [join(root, "missing")], dataDir })).toThrow(
      expect.objectContaining({ code: "AMS_ERR_REQUEST_INVALID" }),
    );
  });
});
