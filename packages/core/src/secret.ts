import { z } from "zod";
import { AmstaffError } from "./errors.js";

/**
 * A reference to a secret by name. Module files and the replicated log only ever hold the name; the
 * node that runs the handler or sampler reads the value from its secret store, if the module is granted it.
 */
export interface SecretRef {
  $secret: string;
}

/** Secret names follow environment-variable conventions. */
export const secretNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Validates a {@link SecretRef}. */
export const secretRefSchema = z.strictObject({
  $secret: z.string().regex(secretNamePattern, "a secret name like SLACK_TOKEN"),
});

/** An option that takes either a literal string or a `secret("NAME")`. */
export const stringOrSecret = z.union([z.string(), secretRefSchema]);

/**
 * Where {@link resolveSecrets} reads values from: by default the process environment, which suits an
 * application that uses a sampler or handler package directly. The server never uses that default: it
 * resolves secrets through its secret store and grants.
 */
export type SecretSource = (name: string) => string | undefined;

/** Who asks for a secret: the module, and the team it belongs to when that is known. */
export interface SecretRequester {
  /** The module's name, as in `amstaff("User Service", ...)`. */
  module: string;
  /** The team the module belongs to; `undefined` when it is not known, so only module grants apply. */
  team?: string | undefined;
}

/**
 * A secret store's answer for one secret and one requester: the value, or why not (never the value).
 * `AMS_ERR_SECRET_MISSING`: the store has no such secret; `AMS_ERR_SECRET_NOT_GRANTED`: it has, but not
 * for this module or team.
 */
export type SecretAccess =
  | { ok: true; value: string }
  | { ok: false; code: "AMS_ERR_SECRET_MISSING" | "AMS_ERR_SECRET_NOT_GRANTED"; reason: string };

/**
 * Whether a requester may use a secret, without reading its value: what a compiler asks at push time.
 * A store's `access` satisfies it.
 */
export type SecretCheck = (
  name: string,
  requester: SecretRequester,
) => { ok: true } | { ok: false; reason: string };

/** The names of every {@link SecretRef} in `value` (deeply), each once, in order of appearance. */
export function secretNames(value: unknown): string[] {
  const names = new Set<string>();
  const visit = (v: unknown): void => {
    if (isSecretRef(v)) names.add(v.$secret);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === "object" && v !== null) Object.values(v).forEach(visit);
  };
  visit(value);
  return [...names];
}

/** Whether a value is a {@link SecretRef}. */
export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === "object" && value !== null && typeof (value as SecretRef).$secret === "string";
}

/**
 * Replaces every {@link SecretRef} in `value` (deeply) by the secret's value.
 * @throws AmstaffError `AMS_ERR_SECRET_MISSING` naming the secret (never a value) when it is not set.
 */
export function resolveSecrets<T>(value: T, source: SecretSource = (name) => process.env[name]): Resolved<T> {
  const visit = (v: unknown): unknown => {
    if (isSecretRef(v)) {
      const resolved = source(v.$secret);
      if (resolved === undefined || resolved === "") {
        throw new AmstaffError(
          "AMS_ERR_SECRET_MISSING",
          `Secret "${v.$secret}" is not set on this node: set the environment variable ${v.$secret} on every node that may run this monitor.`,
        );
      }
      return resolved;
    }
    if (Array.isArray(v)) return v.map(visit);
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, visit(inner)]));
    }
    return v;
  };
  return visit(value) as Resolved<T>;
}

/** `T` with every {@link SecretRef} replaced by its string value. */
export type Resolved<T> = T extends SecretRef
  ? string
  : T extends readonly (infer U)[]
    ? Resolved<U>[]
    : T extends object
      ? { [K in keyof T]: Resolved<T[K]> }
      : T;
