import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";

/** Where the `amstaff` CLI finds its server. */
export interface CliTarget {
  server: string;
  token: string | undefined;
  /**
   * A CA certificate file (PEM) to verify an HTTPS server with, instead of the system's store (a server
   * with a certificate of a private CA). @default undefined: the system's store
   */
  ca?: string | undefined;
  /** Which file the settings came from, if any, for error messages. */
  configFile: string | undefined;
}

const configSchema = z.strictObject({
  server: z.url({ protocol: /^https?$/ }).optional(),
  token: z.string().min(1).optional(),
  ca: z.string().min(1).optional(),
});

/** The config files the CLI reads, most specific first: `.amstaff.json` here or above, then the user's. */
export function configCandidates(cwd: string, env: NodeJS.ProcessEnv): string[] {
  const found: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    found.push(join(dir, ".amstaff.json"));
    if (dirname(dir) === dir) break;
  }
  found.push(join(env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), ".config"), "amstaff", "config.json"));
  return found;
}

/**
 * The server, token and CA, from (in order) flags, `AMSTAFF_URL` / `AMSTAFF_TOKEN` / `AMSTAFF_CA`, then the first config file
 * found (`--config`, else `.amstaff.json` in this directory or a parent, else `~/.config/amstaff/config.json`).
 * A config file that exists but is malformed is an error, never silently skipped.
 */
export function resolveTarget(
  flags: {
    server?: string | undefined;
    token?: string | undefined;
    ca?: string | undefined;
    config?: string | undefined;
  },
  env: NodeJS.ProcessEnv,
  cwd: string,
): CliTarget {
  const candidates = flags.config ? [resolve(cwd, flags.config)] : configCandidates(cwd, env);
  const configFile = candidates.find((file) => existsSync(file));
  if (flags.config && !configFile) throw new Error(`config file ${flags.config} does not exist`);
  let config: z.output<typeof configSchema> = {};
  if (configFile) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(configFile, "utf8"));
    } catch {
      throw new Error(`${configFile} is not valid JSON`);
    }
    const parsed = configSchema.safeParse(raw);
    if (!parsed.success) {
      throw new Error(
        `${configFile}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
      );
    }
    config = parsed.data;
  }
  // An empty variable counts as unset, as shells make it easy to export one by accident.
  const fromEnv = (name: string) => (env[name] === "" ? undefined : env[name]);
  return {
    server: (flags.server ?? fromEnv("AMSTAFF_URL") ?? config.server ?? "http://127.0.0.1:7070").replace(
      /\/+$/,
      "",
    ),
    token: flags.token ?? fromEnv("AMSTAFF_TOKEN") ?? config.token,
    ca:
      flags.ca ??
      fromEnv("AMSTAFF_CA") ??
      (config.ca && configFile ? resolve(dirname(configFile), config.ca) : undefined),
    configFile,
  };
}
