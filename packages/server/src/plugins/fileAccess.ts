import { realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { AmstaffError, type FileAccess, type FileResolution } from "@amstaff/core";

/** Options of {@link createFileAccess}. */
export interface FileAccessOptions {
  /**
   * The directories plugins may open files under (`--sqlite-root`). Each must exist.
   * @default [] (no file may be opened)
   */
  roots?: readonly string[] | undefined;
  /** The server's data directory: never opened, even when a root contains it. */
  dataDir: string;
}

/** The real path of `path`, or of its deepest existing ancestor joined with the rest (a file not created yet). */
function realPathOf(path: string): string {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    try {
      return join(realpathSync(current), ...missing.reverse());
    } catch (error) {
      const parent = dirname(current);
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || parent === current) throw error;
      missing.push(basename(current));
      current = parent;
    }
  }
}

const within = (path: string, directory: string) =>
  path === directory || path.startsWith(directory.endsWith(sep) ? directory : directory + sep);

/**
 * The files capability of the server's plugin host: plugins may open files under the roots only,
 * judged on real paths (symlinks resolved, so a link from a root to elsewhere does not count as
 * inside it), and never anything under the data directory (the Raft log, the state, the token).
 *
 * @throws AmstaffError `AMS_ERR_REQUEST_INVALID` when a root is not an existing directory.
 */
export function createFileAccess(options: FileAccessOptions): FileAccess {
  const roots = (options.roots ?? []).map((root) => {
    let real: string;
    try {
      real = realpathSync(resolve(root));
    } catch {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `--sqlite-root ${root} does not exist: create the directory or remove the option.`,
      );
    }
    if (!statSync(real).isDirectory()) {
      throw new AmstaffError("AMS_ERR_REQUEST_INVALID", `--sqlite-root ${root} is not a directory.`);
    }
    return real;
  });
  const dataDir = realPathOf(options.dataDir);
  return {
    resolve(path: string): FileResolution {
      if (roots.length === 0) {
        return {
          ok: false,
          reason:
            "this server opens no SQLite files; its operator allows a directory with --sqlite-root <dir> (or AMSTAFF_SQLITE_ROOTS)",
        };
      }
      let real: string;
      try {
        real = realPathOf(path);
      } catch (error) {
        return { ok: false, reason: `cannot resolve the path (${(error as NodeJS.ErrnoException).code})` };
      }
      // Where a symlink leads is not told: that would map the server's file system for whoever pushes.
      const via = real === resolve(path) ? "" : " (after following symlinks)";
      if (within(real, dataDir)) {
        return {
          ok: false,
          reason: `it is inside the server's data directory, which modules never read${via}`,
        };
      }
      if (!roots.some((root) => within(real, root))) {
        return {
          ok: false,
          reason: `it is outside every --sqlite-root of this server${via}; its operator can allow its directory with --sqlite-root`,
        };
      }
      return { ok: true, path: real };
    },
  };
}
