import {
  abortReason,
  type DeliveryReceipt,
  type NotificationGroup,
  type NotifyContext,
  parseDuration,
  parsePluginOptions,
  resolveSecrets,
  type SampleHandler,
  type SecretSource,
  type Transition,
} from "@amstaff/core";
import type { SMTPPoolOptions } from "nodemailer";
import { messageIdFor } from "./messageId.js";
import { type EmailOptions, emailOptionsSchema, emailPluginId } from "./options.js";
import { type RenderedEmail, renderEmail } from "./renderEmail.js";
import { renderEmailGroup } from "./renderEmailGroup.js";
import { leaseTransport } from "./sharedTransport.js";
import { partialRejectionError, type SmtpErrorContext, smtpDeliveryError } from "./smtpError.js";
import { packageVersion } from "./version.js";

/** Dependencies of {@link emailHandler} that tests and embedders may replace. */
export interface EmailHandlerRuntime {
  /**
   * Where `secret("NAME")` references are read from.
   * @default the process environment
   */
  secrets?: SecretSource;
}

/**
 * What the email handler returns from a delivery and gets back, for later deliveries of the same
 * incident, in `context.receipt`: the `Message-ID` that later emails reply to, so a recovery is threaded
 * under its alert.
 */
export interface EmailReceipt extends DeliveryReceipt {
  /** The `Message-ID` of the email, with its angle brackets. */
  messageId: string;
  /** The SMTP server's final answer, e.g. `"250 2.0.0 Ok: queued as 4Bx9"`. */
  response: string;
}

/**
 * Creates a handler that emails each transition over SMTP (nodemailer, pooled connections shared by
 * every handler with the same server settings). Validates `options` and resolves their `secret("NAME")`
 * references from the environment.
 *
 * One call of `notify` is one attempt. Every attempt of a delivery carries the same `Message-ID`
 * (derived from the idempotency key); within an incident, emails after the first carry `In-Reply-To` and
 * `References` pointing at the first one, so mail clients thread a recovery under its alert.
 * Failures throw `AmstaffError` `AMS_ERR_DELIVERY_FAILED`: retryable for 4xx replies, connection and
 * DNS failures and timeouts; not retryable for 5xx replies (unknown recipient, rejected credentials) and
 * untrusted certificates.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` for invalid options, `AMS_ERR_SECRET_MISSING` for an unset secret.
 * @example
 * ```ts
 * const handler = emailHandler({
 *   host: "smtp.example.com",
 *   requireTLS: true,
 *   auth: { user: "alerts@example.com", pass: { $secret: "SMTP_PASSWORD" } },
 *   from: "Amstaff <alerts@example.com>",
 *   to: ["oncall@example.com", "team8@example.com"],
 * });
 * await handler.notify(transition, { signal, idempotencyKey: transition.id, attempt: 1 });
 * ```
 */
export function emailHandler(options: EmailOptions, runtime: EmailHandlerRuntime = {}): SampleHandler {
  const parsed = parsePluginOptions({ id: emailPluginId, options: emailOptionsSchema }, options);
  const resolved = resolveSecrets(parsed, runtime.secrets);
  const port = resolved.port ?? (resolved.secure ? 465 : 587);
  const server = `${resolved.host}:${port}`;
  const timeoutMs = parseDuration(resolved.timeout);
  const to = toList(resolved.to);
  const cc = resolved.cc === undefined ? [] : toList(resolved.cc);

  const sensitive: string[] = [];
  if (resolved.auth) {
    const { user, pass } = resolved.auth;
    // The password may surface raw or inside the base64 of an AUTH PLAIN / LOGIN exchange.
    sensitive.push(
      pass,
      Buffer.from(pass).toString("base64"),
      Buffer.from(`\0${user}\0${pass}`).toString("base64"),
    );
  }

  const transportOptions: SMTPPoolOptions = {
    host: resolved.host,
    port,
    secure: resolved.secure,
    requireTLS: resolved.requireTLS,
    ...(resolved.auth ? { auth: { user: resolved.auth.user, pass: resolved.auth.pass } } : {}),
    tls: {
      rejectUnauthorized: resolved.tls?.rejectUnauthorized ?? true,
      ...(resolved.tls?.ca === undefined ? {} : { ca: resolved.tls.ca }),
      ...(resolved.tls?.servername === undefined ? {} : { servername: resolved.tls.servername }),
    },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // One attempt is one send: a message whose pooled connection turned out to be stale gets one fresh
    // connection, and everything else is left to the server's retries and backoff.
    maxRequeues: 1,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  const lease = leaseTransport(transportOptions);
  const recipients = [...to, ...cc].join(", ");

  /** Sends one email; `opening` is the Message-ID of the incident's first email, to thread under. */
  const send = async (
    rendered: RenderedEmail,
    about: { headers: Record<string, string>; urgent: boolean; opening?: string | undefined },
    context: NotifyContext,
  ): Promise<EmailReceipt> => {
    const errorContext: SmtpErrorContext = { server, sensitive };
    if (context.signal.aborted) {
      throw smtpDeliveryError(undefined, { ...errorContext, aborted: abortReason(context.signal) });
    }
    const messageId = messageIdFor(context.idempotencyKey, resolved.from);
    const { opening } = about;
    const message: Record<string, unknown> = {
      from: resolved.from,
      to,
      ...(cc.length > 0 ? { cc } : {}),
      subject: rendered.subject,
      text: rendered.text,
      ...(rendered.html === undefined ? {} : { html: rendered.html }),
      messageId,
      ...(opening !== undefined && opening !== messageId
        ? { inReplyTo: opening, references: [opening] }
        : {}),
      priority: about.urgent ? "high" : "normal",
      headers: {
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
        ...about.headers,
      },
      xMailer: `amstaff-handler-email/${packageVersion}`,
      signal: context.signal,
    };

    let info: Awaited<ReturnType<Awaited<ReturnType<typeof lease.get>>["sendMail"]>>;
    try {
      const transport = await lease.get();
      info = await transport.sendMail(message);
    } catch (error) {
      throw smtpDeliveryError(error, {
        ...errorContext,
        aborted: context.signal.aborted ? abortReason(context.signal) : undefined,
      });
    }
    const rejected = info.rejected ?? [];
    if (rejected.length > 0) {
      throw partialRejectionError(
        rejected.map(String),
        (info as { rejectedErrors?: unknown[] }).rejectedErrors ?? [],
        (info.accepted ?? []).map(String),
        errorContext,
      );
    }
    return { messageId, response: String(info.response ?? "") };
  };
  const templated =
    resolved.subject !== undefined || resolved.text !== undefined || resolved.html !== undefined;

  return {
    name: `email to ${recipients} via ${server}`,
    notify: (transition: Transition, context: NotifyContext) =>
      send(
        renderEmail(transition, resolved),
        {
          headers: {
            "X-Amstaff-Module": headerValue(transition.module),
            "X-Amstaff-Monitor": headerValue(transition.monitor),
            "X-Amstaff-Status": transition.to,
            "X-Amstaff-Kind": transition.kind ?? "transition",
            ...(transition.incident ? { "X-Amstaff-Incident": headerValue(transition.incident.key) } : {}),
          },
          urgent: isUrgent(transition),
          opening: openingMessageId(context),
        },
        context,
      ),
    // Templates render one transition: with them, a group is sent as one email per notification.
    ...(!templated && {
      notifyGroup: (group: NotificationGroup, context: NotifyContext) =>
        send(
          renderEmailGroup(group),
          {
            headers: {
              "X-Amstaff-Module": headerValue(group.notifications[0]?.transition.module ?? ""),
              "X-Amstaff-Kind": "group",
            },
            urgent: group.notifications.some((n) => isUrgent(n.transition)),
          },
          context,
        ),
    }),
    dispose() {
      lease.release();
    },
  };
}

// A reminder repeats what was said, and flap damping exists not to page on a restless monitor.
function isUrgent(transition: Transition): boolean {
  return transition.to === "critical" && transition.kind !== "reminder" && transition.kind !== "flapping";
}

// A name with a line break must never start a header of its own.
function headerValue(text: string): string {
  return text.replace(/[\r\n\0]+/g, " ").trim();
}

function toList(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

function openingMessageId(context: NotifyContext): string | undefined {
  const id = context.receipt?.messageId;
  return typeof id === "string" && /^<[^<>\s]+@[^<>\s]+>$/.test(id) ? id : undefined;
}
