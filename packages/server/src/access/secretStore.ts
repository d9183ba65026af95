import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import {
  AmstaffError,
  type SecretAccess,
  type SecretCheck,
  type SecretRequester,
  secretNamePattern,
} from "@amstaff/core";
import {
  type Grants,
  grantNamesModule,
  grantPatternOf,
  parseGrants,
  reservedPrefix,
  type SecretGrants,
} from "./secretGrants.js";

/** The prefix of the environment variables that are secrets: `AMSTAFF_SECRET_SLACK_TOKEN` is `secret("SLACK_TOKEN")`. */
export const secretEnvPrefix = "AMSTAFF_SECRET_";

/** The grants file looked for in the secrets directory when no other is given. */
export const defaultGrantsFile = "grants.json";

/** A secret file larger than this is refused: secrets are tokens and keys, not data. */
const maxSecretBytes = 64 * 1024;

/** Options of {@link SecretStore}. */
export interface SecretStoreOptions {
  /**
   * The environment whose `AMSTAFF_SECRET_<NAME>` variables are the secrets `<NAME>`; every other
   * variable is ignored. Read once, when the store is created.
   * @default process.env
   */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * A directory holding one file per secret, the file's name being the secret's (as Kubernetes and
   * Docker mount secrets); a trailing newline is dropped. Read at every resolution, so a rotated file
   * is used from the next probe or delivery on. Where it and the environment both hold a secret, the
   * directory's wins.
   * @default none
   */
  dir?: string | undefined;
  /**
   * A JSON file of {@link SecretGrants}, re-read when it changes (a broken edit keeps the previous grants
   * and is reported through `onWarning`).
   * @default `<dir>/grants.json` when that file exists
   */
  grantsFile?: string | undefined;
  /** More grants (`AMSTAFF_SECRETS_GRANTS`), as JSON text or an object; added to the file's. @default none */
  grants?: string | SecretGrants | undefined;
  /** Hears what is ignored or refused in the configuration, by name only. @default ignored */
  onWarning?: ((message: string) => void) | undefined;
}

/** Where a secret's value is kept. */
type Found = { ok: true; value: string } | { ok: false; reason: string } | undefined;

/**
 * The only place the server reads secrets from: `AMSTAFF_SECRET_<NAME>` environment variables and a
 * secrets directory, each secret usable only by the modules and teams its grant names (default deny).
 * The server's own settings and any other environment variable can never be read through it.
 *
 * @example
 * ```ts
 * const store = new SecretStore({ dir: "/run/secrets" });
 * const slack = store.access("SLACK_TOKEN", { module: "User Service", team: undefined });
 * if (!slack.ok) throw new AmstaffError(slack.code, slack.reason);
 * ```
 */
export class SecretStore {
  readonly #env = new Map<string, string>();
  readonly #dir: string | undefined;
  readonly #grantsFile: string | undefined;
  readonly #inline: Grants;
  readonly #warn: (message: string) => void;
  #fileGrants: Grants = {};
  #fileStamp: string | undefined;
  #merged: { from: Grants; grants: Grants } | undefined;

  /** @throws AmstaffError `AMS_ERR_SECRET_STORE` when the directory or the grants are unusable. */
  constructor(options: SecretStoreOptions = {}) {
    this.#warn = options.onWarning ?? (() => {});
    for (const [variable, value] of Object.entries(options.env ?? process.env)) {
      if (!variable.startsWith(secretEnvPrefix) || value === undefined) continue;
      const name = variable.slice(secretEnvPrefix.length);
      if (!secretNamePattern.test(name) || name.startsWith(reservedPrefix)) {
        this.#warn(
          `${variable} is ignored: a secret's name must look like SLACK_TOKEN and must not start with ${reservedPrefix}`,
        );
        continue;
      }
      this.#env.set(name, value);
    }
    if (options.dir !== undefined) {
      try {
        this.#dir = realpathSync(resolve(options.dir));
        if (!statSync(this.#dir).isDirectory()) throw new Error("not a directory");
      } catch (cause) {
        throw new AmstaffError(
          "AMS_ERR_SECRET_STORE",
          `The secrets directory ${options.dir} cannot be read (${(cause as Error).message}): create it, or fix --secrets-dir / AMSTAFF_SECRETS_DIR.`,
          { cause },
        );
      }
    }
    this.#inline = options.grants === undefined ? {} : parseGrants(options.grants, "AMSTAFF_SECRETS_GRANTS");
    const defaultFile = this.#dir === undefined ? undefined : join(this.#dir, defaultGrantsFile);
    if (options.grantsFile !== undefined) this.#grantsFile = resolve(options.grantsFile);
    else if (defaultFile !== undefined && exists(defaultFile)) this.#grantsFile = defaultFile;
    if (this.#grantsFile !== undefined) {
      if (!exists(this.#grantsFile)) {
        throw new AmstaffError(
          "AMS_ERR_SECRET_STORE",
          `The secret grants file ${this.#grantsFile} does not exist: create it, or fix --secret-grants / AMSTAFF_SECRETS_GRANTS_FILE.`,
        );
      }
      // At start a broken grants file stops the server; later, a broken edit keeps the previous grants.
      this.#reloadGrants(true);
    }
    this.#checkConfiguration();
  }

  /** The file grants are read from, if any. */
  get grantsFile(): string | undefined {
    return this.#grantsFile;
  }

  /** The names of every secret the store holds now. */
  names(): string[] {
    const names = new Set(this.#env.keys());
    for (const name of this.#dirNames()) names.add(name);
    return [...names].sort();
  }

  /** Whether the store holds a secret of this name, granted or not. */
  has(name: string): boolean {
    return this.#find(name)?.ok === true;
  }

  /** Whether the grants let `requester` use secret `name` (whether or not the store holds it). */
  granted(name: string, requester: SecretRequester): boolean {
    const grant = this.#grants()[name];
    if (grant === undefined) return false;
    return (
      grant.modules.some((pattern) => grantNamesModule(pattern, requester)) ||
      (requester.team !== undefined && grant.teams.includes(requester.team))
    );
  }

  /**
   * The value of secret `name` for `requester`, or why not. A module that is not granted a secret is
   * told so whether or not the store holds it, so that no module can learn which secrets exist.
   */
  access(name: string, requester: SecretRequester): SecretAccess {
    if (name.startsWith(reservedPrefix)) {
      return {
        ok: false,
        code: "AMS_ERR_SECRET_MISSING",
        reason: `secret("${name}") can never be used: names starting with ${reservedPrefix} are the server's own settings, not secrets`,
      };
    }
    if (!secretNamePattern.test(name)) {
      return { ok: false, code: "AMS_ERR_SECRET_MISSING", reason: `"${name}" is not a secret name` };
    }
    if (!this.granted(name, requester)) {
      const team = requester.team === undefined ? "" : ` or team "${requester.team}"`;
      const example = JSON.stringify(grantPatternOf(requester.module, requester.team));
      return {
        ok: false,
        code: "AMS_ERR_SECRET_NOT_GRANTED",
        reason: `secret("${name}") is not granted to module "${requester.module}"${team}: an operator must put it in the server's secret store (${secretEnvPrefix}${name}, or a file ${name} in the secrets directory) and grant it, e.g. { "${name}": { "modules": [${example}] } } in the secret grants`,
      };
    }
    const found = this.#find(name);
    if (found?.ok) return found;
    return {
      ok: false,
      code: "AMS_ERR_SECRET_MISSING",
      reason:
        found?.reason ??
        `secret("${name}") is granted but not in the server's secret store: an operator sets ${secretEnvPrefix}${name} or puts a file ${name} in the secrets directory, on every node`,
    };
  }

  /** {@link access} without the value: what the compiler asks at push time. */
  readonly check: SecretCheck = (name, requester) => {
    const access = this.access(name, requester);
    return access.ok ? { ok: true } : { ok: false, reason: access.reason };
  };

  #find(name: string): Found {
    if (!secretNamePattern.test(name) || name.startsWith(reservedPrefix)) return undefined;
    const fromDir = this.#dir === undefined ? undefined : this.#readFile(this.#dir, name);
    if (fromDir !== undefined) return fromDir;
    const value = this.#env.get(name);
    if (value === undefined) return undefined;
    return value === ""
      ? { ok: false, reason: `secret("${name}") is empty in the server's secret store` }
      : { ok: true, value };
  }

  #readFile(dir: string, name: string): Found {
    const path = join(dir, name);
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      return undefined;
    }
    // Kubernetes mounts each key as a link into a `..data` directory inside the mount: links may
    // point anywhere inside the directory, never out of it.
    const inside = relative(dir, real);
    if (inside === "" || inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
      return {
        ok: false,
        reason: `secret("${name}") in the secrets directory is a link that leads out of it; refused`,
      };
    }
    try {
      const stat = statSync(real);
      if (!stat.isFile())
        return { ok: false, reason: `secret("${name}") in the secrets directory is not a file` };
      if (stat.size > maxSecretBytes) {
        return {
          ok: false,
          reason: `secret("${name}") in the secrets directory is larger than ${maxSecretBytes} bytes`,
        };
      }
      const value = readFileSync(real, "utf8").replace(/[\r\n]+$/, "");
      if (value === "") return { ok: false, reason: `secret("${name}") is empty in the secrets directory` };
      return { ok: true, value };
    } catch (cause) {
      return {
        ok: false,
        reason: `secret("${name}") in the secrets directory cannot be read (${(cause as NodeJS.ErrnoException).code ?? "error"})`,
      };
    }
  }

  #dirNames(): string[] {
    if (this.#dir === undefined) return [];
    try {
      return readdirSync(this.#dir).filter((n) => secretNamePattern.test(n) && !n.startsWith(reservedPrefix));
    } catch {
      return [];
    }
  }

  #grants(): Grants {
    if (this.#grantsFile !== undefined) this.#reloadGrants(false);
    if (this.#merged?.from === this.#fileGrants) return this.#merged.grants;
    const merged: Grants = { ...this.#fileGrants };
    for (const [name, grant] of Object.entries(this.#inline)) {
      const other = merged[name];
      merged[name] = other
        ? { modules: [...other.modules, ...grant.modules], teams: [...other.teams, ...grant.teams] }
        : grant;
    }
    this.#merged = { from: this.#fileGrants, grants: merged };
    return merged;
  }

  #reloadGrants(atStart: boolean): void {
    const file = this.#grantsFile!;
    let stamp: string;
    try {
      const stat = statSync(file);
      stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      // A grants file removed while running grants nothing: fail closed.
      if (this.#fileStamp !== "missing")
        this.#warn(`The secret grants file ${file} is gone: no module is granted a secret from it any more.`);
      this.#fileStamp = "missing";
      this.#fileGrants = {};
      return;
    }
    if (stamp === this.#fileStamp) return;
    this.#fileStamp = stamp;
    try {
      this.#fileGrants = parseGrants(readFileSync(file, "utf8"), file);
    } catch (error) {
      if (atStart) throw error;
      this.#warn(`${(error as Error).message} The previous grants stay in force until the file is fixed.`);
    }
  }

  #checkConfiguration(): void {
    if (this.#dir !== undefined) {
      for (const entry of readdirSync(this.#dir)) {
        if (entry.startsWith(".") || join(this.#dir, entry) === this.#grantsFile) continue;
        if (!secretNamePattern.test(entry) || entry.startsWith(reservedPrefix)) {
          this.#warn(
            `${join(this.#dir, entry)} is ignored: a secret's file name must look like SLACK_TOKEN and must not start with ${reservedPrefix}`,
          );
          continue;
        }
        const found = this.#readFile(this.#dir, entry);
        if (found !== undefined && !found.ok) this.#warn(`${found.reason}.`);
        if (this.#env.has(entry)) {
          this.#warn(
            `Secret ${entry} is both ${secretEnvPrefix}${entry} and a file in the secrets directory: the file is used.`,
          );
        }
      }
    }
    const names = new Set(this.names());
    for (const name of Object.keys(this.#grants())) {
      if (!names.has(name))
        this.#warn(`The secret grants name ${name}, which is not in the secret store (yet).`);
    }
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
