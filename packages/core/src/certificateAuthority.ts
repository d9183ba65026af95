import { z } from "zod";
import { AmstaffError } from "./errors.js";
import { secretRefSchema } from "./secret.js";

const pemMarker = "-----BEGIN CERTIFICATE-----";
const pemWording = `a PEM certificate (${pemMarker} ...)`;

/**
 * Validates a plugin's `ca` option: the certificate authority (PEM, one or more certificates) that signed a
 * server's certificate, for private CAs and self-signed certificates, or a `secret("NAME")` holding one. A
 * secret's value is checked once resolved, by {@link requirePemCertificate}.
 */
export const certificateAuthoritySchema = z
  .union([z.string(), secretRefSchema], { error: `${pemWording} or secret("NAME")` })
  .refine((ca) => typeof ca !== "string" || ca.includes(pemMarker), pemWording);

/**
 * Checks a resolved `ca` (see {@link certificateAuthoritySchema}): a literal is checked by the schema, so
 * this catches a secret that does not hold a PEM certificate, without ever showing its value.
 *
 * @param pluginId the plugin whose options these are, named in the error.
 * @param path where the option is, like `["tls", "ca"]`.
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` when `ca` is set and holds no PEM certificate.
 */
export function requirePemCertificate(
  pluginId: string,
  path: readonly string[],
  ca: string | undefined,
): void {
  if (ca === undefined || ca.includes(pemMarker)) return;
  throw new AmstaffError(
    "AMS_ERR_PLUGIN_OPTIONS",
    `Invalid options for ${pluginId}: ${path.join(".")}: the secret does not hold ${pemWording}`,
    { details: { plugin: pluginId, issues: [{ path: [...path], message: "not a PEM certificate" }] } },
  );
}
