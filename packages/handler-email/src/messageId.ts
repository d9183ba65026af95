import { createHash } from "node:crypto";

const dotAtom = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const maxKeyLength = 200;

/** The domain of an address such as `"Amstaff <alerts@example.com>"`, if it is usable in a `Message-ID`. */
export function addressDomain(address: string): string | undefined {
  const domain = /@([^@\s<>]+)>?\s*$/.exec(address)?.[1]?.toLowerCase();
  return domain !== undefined && dotAtom.test(domain) ? domain : undefined;
}

/**
 * The `Message-ID` of a delivery, derived from its idempotency key: every attempt of the same delivery
 * sends the same id, so a retried send is recognisable (and many mail systems, Gmail among them, drop the
 * duplicate). Characters that a `Message-ID` cannot hold are escaped as `=XX`; very long keys are hashed.
 *
 * @param from the sender; its domain becomes the right-hand side of the id
 * @example
 * ```ts
 * messageIdFor("tr-0001:email:0", "Amstaff <alerts@example.com>");
 * // "<amstaff.tr-0001=3Aemail=3A0@example.com>"
 * ```
 */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const left =
    idempotencyKey.length > maxKeyLength
      ? `h${createHash("sha256").update(idempotencyKey).digest("hex")}`
      : [...Buffer.from(idempotencyKey, "utf8")]
          .map((byte) => {
            const c = String.fromCharCode(byte);
            return /[A-Za-z0-9_-]/.test(c) ? c : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
          })
          .join("");
  return `<amstaff.${left}@${addressDomain(from) ?? "amstaff.invalid"}>`;
}
