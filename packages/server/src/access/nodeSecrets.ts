import { secretNames } from "@amstaff/core";
import type { Logger } from "pino";
import type { StateMachine } from "../state/stateMachine.js";
import { secretReferenceWarnings } from "./secretReferences.js";
import { SecretStore, type SecretStoreOptions } from "./secretStore.js";

/**
 * The node's secret store: the one given, or one built from its options that reports its warnings to
 * `logger`. Opened before anything else starts, so a broken secrets directory or grants file stops the
 * server there.
 */
export function openSecretStore(
  secrets: SecretStore | SecretStoreOptions | undefined,
  logger: Logger,
): SecretStore {
  return secrets instanceof SecretStore
    ? secrets
    : new SecretStore({ ...secrets, onWarning: (message) => logger.warn(message) });
}

/**
 * Warns, once per secret, about the stored modules' secret references that will fail: secrets still kept
 * as plain environment variables (how to move them), and secrets not granted to a module that uses them.
 */
export function warnAboutSecretReferences(secrets: SecretStore, machine: StateMachine, logger: Logger): void {
  const modules = machine
    .modules()
    .map((m) => ({ name: m.name, team: machine.teamOf(m.name), secrets: secretNames(m.definition) }));
  for (const warning of secretReferenceWarnings(secrets, modules)) {
    logger.warn({ secretName: warning.secret, modules: warning.modules }, warning.message);
  }
}
