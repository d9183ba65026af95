import { z } from "zod";
import { AmstaffError } from "./errors.js";

/**
 * A reference to a secret by name. Module files and the replicated log only ever hold the name; the
 * node that runs the handler or sampler reads the value from its environment.
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

/** Where secrets come from: the process environment unless a test injects its own. */
export type SecretSource = (name: string) => string | undefined;

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
