import { grantPatternOf, reservedPrefix } from "./secretGrants.js";
import { type SecretStore, secretEnvPrefix } from "./secretStore.js";

/** A start-up warning about a secret stored modules refer to, naming the secret and never its value. */
export interface SecretReferenceWarning {
  /** The secret's name. */
  secret: string;
  /** The modules that refer to it. */
  modules: string[];
  /** What is wrong and what to do. */
  message: string;
}

/**
 * What the operator must fix for the modules already stored to keep working: one warning for each secret
 * they refer to that the store lacks while a plain environment variable of that name exists (the way
 * secrets were read before the store), and one for each secret the store holds but does not grant to a
 * module that uses it (by its name, or its team when given).
 */
export function secretReferenceWarnings(
  store: SecretStore,
  modules: readonly { name: string; team?: string | undefined; secrets: readonly string[] }[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): SecretReferenceWarning[] {
  const users = new Map<string, string[]>();
  const teams = new Map(modules.map((m) => [m.name, m.team]));
  for (const module of modules) {
    for (const name of module.secrets) users.set(name, [...(users.get(name) ?? []), module.name]);
  }
  const warnings: SecretReferenceWarning[] = [];
  for (const [secret, names] of [...users].sort(([a], [b]) => a.localeCompare(b))) {
    const list = names.map((n) => JSON.stringify(grantPatternOf(n, teams.get(n)))).join(", ");
    if (!store.has(secret) && env[secret] !== undefined && !secret.startsWith(reservedPrefix)) {
      warnings.push({
        secret,
        modules: names,
        message: `secret("${secret}") is no longer read from the environment variable ${secret}: secrets come only from the secret store now. Move it to ${secretEnvPrefix}${secret} (or a file ${secret} in the secrets directory) and grant it to ${list}, e.g. { "${secret}": { "modules": [${list}] } } in the secret grants; until then their probes and deliveries that need it fail.`,
      });
      continue;
    }
    const denied = names.filter((module) => !store.granted(secret, { module, team: teams.get(module) }));
    if (store.has(secret) && denied.length > 0) {
      const deniedList = denied.map((n) => JSON.stringify(grantPatternOf(n, teams.get(n)))).join(", ");
      warnings.push({
        secret,
        modules: denied,
        message: `secret("${secret}") is in the secret store but not granted to ${deniedList}, which use it: grant it (e.g. { "${secret}": { "modules": [${deniedList}] } } in the secret grants) or their probes and deliveries that need it fail.`,
      });
    }
  }
  return warnings;
}
