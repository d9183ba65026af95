import { resolve } from "node:path";

/** The database engines this sampler speaks to. */
export type SqlEngine = "postgres" | "mysql" | "sqlite";

/** A parsed connection string: which engine, where, and how to show it without its secrets. */
export type ConnectionTarget =
  | {
      engine: "postgres" | "mysql";
      /** The URL as given (with its credentials): only ever handed to the driver. */
      url: URL;
      /** The URL with its password and secret-looking parameters replaced by `***`. */
      display: string;
      /** `host:port`, for messages. */
      address: string;
      /** The database name, for messages. */
      database: string;
      /** The user name, for messages. */
      user: string;
    }
  | {
      engine: "sqlite";
      /** The absolute path of the database file. */
      path: string;
      /** `sqlite:<absolute path>`. */
      display: string;
    };

const networkSchemes: Record<string, { engine: "postgres" | "mysql"; port: number }> = {
  "postgres:": { engine: "postgres", port: 5432 },
  "postgresql:": { engine: "postgres", port: 5432 },
  "mysql:": { engine: "mysql", port: 3306 },
  "mariadb:": { engine: "mysql", port: 3306 },
};

const secretParameter = /pass|secret|token|key/i;

function sqlitePath(rest: string): string | undefined {
  const withoutQuery = rest.split("?")[0] ?? "";
  let path = withoutQuery;
  if (withoutQuery.startsWith("//")) {
    // `sqlite:///abs/path.db` and `file:///abs/path.db`: an authority is allowed only when it is empty.
    const afterAuthority = withoutQuery.slice(2);
    if (!afterAuthority.startsWith("/") && !afterAuthority.startsWith("localhost/")) return undefined;
    path = afterAuthority.startsWith("localhost/")
      ? afterAuthority.slice("localhost".length)
      : afterAuthority;
  }
  try {
    path = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (path === "" || path === ":memory:") return undefined;
  return resolve(path);
}

/**
 * Parses a connection string into the engine and target it names, or returns why it cannot.
 * Relative SQLite paths are resolved against the current directory.
 */
export function parseConnectionUrl(text: string): ConnectionTarget | string {
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === "sqlite:" || scheme === "file:") {
    const path = sqlitePath(text.slice(scheme.length));
    if (path === undefined) {
      return `a SQLite file: sqlite:///absolute/path.db, sqlite:relative/path.db or file:///absolute/path.db`;
    }
    return { engine: "sqlite", path, display: `sqlite:${path}` };
  }
  const network = scheme === undefined ? undefined : networkSchemes[scheme];
  if (network === undefined) {
    return "a postgres://, postgresql://, mysql://, mariadb://, sqlite: or file: URL";
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `not a valid URL (expected ${scheme}//user@host:port/database)`;
  }
  if (url.hostname === "") return `no host (expected ${scheme}//user@host:port/database)`;
  const shown = new URL(url);
  if (shown.password !== "") shown.password = "***";
  for (const key of [...shown.searchParams.keys()]) {
    if (secretParameter.test(key)) shown.searchParams.set(key, "***");
  }
  const decode = (value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  };
  return {
    engine: network.engine,
    url,
    display: shown.href.replace("%2A%2A%2A", "***"),
    address: `${url.hostname}:${url.port || network.port}`,
    database: decode(url.pathname.replace(/^\//, "")),
    user: decode(url.username),
  };
}

/**
 * Replaces every occurrence of the given secrets (passwords, whole connection strings) in `text` by `***`:
 * the last line of defence for driver messages that might quote what they were given.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (secret.length < 2) continue;
    scrubbed = scrubbed.split(secret).join("***");
  }
  return scrubbed;
}

/** The secrets a target and an explicit password hold, in every spelling a driver might echo. */
export function secretsOf(rawUrl: string, target: ConnectionTarget, password: string | undefined): string[] {
  const secrets = new Set<string>([rawUrl]);
  if (password !== undefined) secrets.add(password);
  if (target.engine !== "sqlite") {
    if (target.url.password !== "") {
      secrets.add(target.url.password);
      try {
        secrets.add(decodeURIComponent(target.url.password));
      } catch {
        // An undecodable password is only ever echoed as given.
      }
    }
    for (const [key, value] of target.url.searchParams) if (secretParameter.test(key)) secrets.add(value);
  }
  // Longest first, so that a password inside the URL does not leave the rest of the URL behind.
  return [...secrets].sort((a, b) => b.length - a.length);
}
