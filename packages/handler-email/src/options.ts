import { type Duration, isDuration, stringOrSecret, templateSchema } from "@amstaff/core";
import { z } from "zod";

/** The id of the email handler plugin, its npm package name. */
export const emailPluginId = "@amstaff/handler-email";

const lineBreak = /[\r\n\0]/;

// Deliberately loose: the SMTP server is the authority on addresses; this only catches what can never
// work (no "@", a line break that would inject headers) when the module is pushed, not at 3 a.m.
const address = z
  .string()
  .min(3)
  .max(998)
  .refine((v) => !lineBreak.test(v), "an email address without line breaks")
  .refine((v) => /^[^@\s<>]+@[^@\s<>]+$/.test(v.trim()) || /<[^@\s<>]+@[^@\s<>]+>\s*$/.test(v), {
    message: 'an email address, e.g. "oncall@example.com" or "On-call <oncall@example.com>"',
  });

const addresses = z.union([address, z.array(address).min(1, "at least one address")]);

/** The default `subject` template. */
export const defaultSubject = "[{{TO}}] {{module}} / {{monitor}}";

/** The subject used for reminders when `subject` is not set. */
export const defaultReminderSubject = "[{{TO}}] Reminder: {{module}} / {{monitor}}";

/** The subject used for escalations (the first email of an incident still open) when `subject` is not set. */
export const defaultEscalationSubject = "[{{TO}}] Escalated: {{module}} / {{monitor}}";

/** The subject used for a flapping announcement when `subject` is not set. */
export const defaultFlappingSubject = "[FLAPPING] {{module}} / {{monitor}} (now {{TO}})";

/** The subject used for an acknowledgement (a handler with `notifyOn: { acknowledged: true }`) when `subject` is not set. */
export const defaultAcknowledgedSubject = "[ACK] {{module}} / {{monitor}} ({{TO}})";

/** Validates the options of {@link email} and {@link emailHandler}, applying defaults. */
export const emailOptionsSchema = z.strictObject({
  /** The SMTP server's host name or IP address, e.g. `"smtp.example.com"`. */
  host: z
    .string()
    .min(1)
    .refine((v) => !/[\s/]/.test(v), "a host name or IP address, without scheme or path"),
  /**
   * The SMTP server's port.
   * @default 587, or 465 when `secure` is true
   */
  port: z.number().int().min(1).max(65_535).optional(),
  /**
   * Implicit TLS: the connection is TLS from its first byte (usually port 465). When false, the
   * handler upgrades with STARTTLS whenever the server offers it.
   * @default false
   */
  secure: z.boolean().default(false),
  /**
   * Refuse to send unless the connection is upgraded with STARTTLS (for port 587 servers that must never
   * see credentials or alerts in clear text).
   * @default false
   */
  requireTLS: z.boolean().default(false),
  /**
   * SMTP authentication (PLAIN or LOGIN, whichever the server offers). Use `secret("NAME")` for the password.
   * @default undefined (no authentication)
   */
  auth: z
    .strictObject({
      /** The user name. */
      user: z.string().min(1),
      /** The password, a literal or `secret("NAME")`. */
      pass: stringOrSecret,
    })
    .optional(),
  /** TLS settings, for implicit TLS and STARTTLS alike. */
  tls: z
    .strictObject({
      /**
       * Verify the server's certificate. Turn off only for a test server: anyone on the path could read
       * the alerts and the password.
       * @default true
       */
      rejectUnauthorized: z.boolean().default(true),
      /**
       * Certificate authorities to trust (PEM), for a server whose certificate is signed by a private CA.
       * @default the Node.js trust store
       */
      ca: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
      /**
       * The name to verify the certificate against, when connecting by IP address or through a tunnel.
       * @default host
       */
      servername: z.string().min(1).optional(),
    })
    .optional(),
  /** The sender, e.g. `"Amstaff <alerts@example.com>"`. Its domain also names the `Message-ID`s. */
  from: address,
  /** One recipient or several. */
  to: addresses,
  /**
   * Copy recipients.
   * @default undefined
   */
  cc: addresses.optional(),
  /**
   * The subject, a template with `{{variables}}` (see `templateVariables` in `@amstaff/core`).
   * @default "[{{TO}}] {{module}} / {{monitor}}"; "[{{TO}}] Reminder: {{module}} / {{monitor}}" for reminders,
   * "[{{TO}}] Escalated: {{module}} / {{monitor}}" for escalations, "[FLAPPING] {{module}} / {{monitor}} (now {{TO}})"
   * for flapping
   */
  subject: templateSchema.optional(),
  /**
   * The plain-text body as a template. Set `text` alone to send plain-text emails only.
   * @default a layout with status, message, value, since, duration, tags, incident and link
   */
  text: templateSchema.optional(),
  /**
   * The HTML body as a template; every variable is HTML-escaped when it is filled in.
   * @default a layout with status, message, value, since, duration, tags, incident and link
   */
  html: templateSchema.optional(),
  /**
   * How long connecting, the server's greeting, and each wait for an answer may take, e.g. `"30s"`.
   * @default "30s"
   */
  timeout: (
    z.string().refine(isDuration, 'a duration like "30s" or "1m"') as unknown as z.ZodType<Duration>
  ).default("30s"),
});

/** Options of the email handler, as written in a module file. */
export type EmailOptions = z.input<typeof emailOptionsSchema>;

/** Options of the email handler after validation, defaults applied. */
export type ParsedEmailOptions = z.output<typeof emailOptionsSchema>;
