import type { SecretRef } from "@amstaff/core";

// Only type imports from @amstaff/core: builders.ts, and so this file, is bundled into the compiler's
// sandbox, where it must stay tiny and must not pull in @amstaff/core's or zod's runtime.

/**
 * A reference to a secret by name. The module (and the replicated log) only ever holds the name; the
 * node that runs the sampler or handler reads the value from its secret store, if the module is granted
 * it (`AMSTAFF_SECRET_<NAME>` or a file in the secrets directory; never another environment variable).
 *
 * @example
 * ```ts
 * headers: { authorization: secret("HOOK_TOKEN") }
 * ```
 */
export function secret(name: string): SecretRef {
  return { $secret: name };
}
