import { createHmac, timingSafeEqual } from "node:crypto";

/** The header that carries the signature of a webhook request. */
export const signatureHeader = "x-amstaff-signature";

/**
 * Signs a request body the way the webhook handler does: HMAC-SHA256 over `"<t>.<body>"`, where `t` is
 * the time of signing in Unix seconds.
 *
 * @returns the value of the `X-Amstaff-Signature` header, `t=<unix seconds>,v1=<hex>`.
 * @example
 * ```ts
 * const header = signWebhookBody(JSON.stringify(payload), process.env.WEBHOOK_SECRET!);
 * ```
 */
export function signWebhookBody(body: string | Uint8Array, secret: string, now: number = Date.now()): string {
  const t = Math.floor(now / 1000);
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

/** Options of {@link verifyWebhookSignature}. */
export interface VerifyWebhookSignatureOptions {
  /**
   * How far, in seconds, the signature's timestamp may be from now; older (or newer) requests are
   * rejected, so a captured request cannot be replayed later. `Infinity` turns the check off.
   * @default 300
   */
  toleranceSeconds?: number;
  /**
   * The current time in milliseconds since the epoch.
   * @default Date.now()
   */
  now?: number;
}

/**
 * Checks the `X-Amstaff-Signature` header of a webhook request, for receivers. Pass the raw body exactly
 * as received (before any JSON parsing), the header's value and the shared signing secret. The header may
 * carry several `v1=` signatures (during a secret rotation); one match is enough. Comparison is timing-safe.
 *
 * @returns whether the body was signed with `secret` within `toleranceSeconds` of now.
 * @example
 * ```ts
 * const ok = verifyWebhookSignature(rawBody, req.headers["x-amstaff-signature"], process.env.WEBHOOK_SECRET!);
 * if (!ok) return res.writeHead(401).end();
 * ```
 */
export function verifyWebhookSignature(
  body: string | Uint8Array,
  header: string | readonly string[] | null | undefined,
  secret: string,
  options: VerifyWebhookSignatureOptions = {},
): boolean {
  if (typeof header !== "string" || secret === "") return false;
  const { toleranceSeconds = 300, now = Date.now() } = options;
  let t: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,15}$/.test(value)) t = Number(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, "hex"));
  }
  if (t === undefined || signatures.length === 0) return false;
  if (Math.abs(now / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, t, body), "hex");
  let match = false;
  // Compare against every candidate so the time taken does not reveal which one matched.
  for (const signature of signatures) match = timingSafeEqual(signature, expected) || match;
  return match;
}

function hmacHex(secret: string, t: number, body: string | Uint8Array): string {
  return createHmac("sha256", secret).update(`${t}.`).update(body).digest("hex");
}
