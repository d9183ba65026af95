import { createHash } from "node:crypto";
import type { SMTPPoolOptions, SMTPPoolSentMessageInfo } from "nodemailer";

/** The part of nodemailer's pooled transporter the handler uses. */
export interface PooledTransport {
  sendMail(message: Record<string, unknown>): Promise<SMTPPoolSentMessageInfo>;
  close(): void;
}

interface Entry {
  transport: Promise<PooledTransport>;
  users: number;
}

const transports = new Map<string, Entry>();

/**
 * A lease on the pooled SMTP transport of one SMTP configuration. Handlers with the same server,
 * credentials and TLS settings share one pool of connections; the pool is created on the first send,
 * not when the handler is created, and closed when the last handler using it is disposed.
 */
export interface TransportLease {
  get(): Promise<PooledTransport>;
  release(): void;
}

/** Leases the shared transport for `options`. */
export function leaseTransport(options: SMTPPoolOptions): TransportLease {
  // The key holds a hash of the options, not the password itself.
  const key = createHash("sha256").update(JSON.stringify(options)).digest("hex");
  let released = false;
  let acquired = false;
  return {
    get() {
      if (released) return Promise.reject(new Error("this email handler was disposed"));
      let entry = transports.get(key);
      if (!entry) {
        entry = {
          transport: import("nodemailer").then(
            ({ default: nodemailer }) =>
              nodemailer.createTransport({ ...options, pool: true }) as unknown as PooledTransport,
          ),
          users: 0,
        };
        transports.set(key, entry);
      }
      if (!acquired) {
        acquired = true;
        entry.users++;
      }
      return entry.transport;
    },
    release() {
      if (released) return;
      released = true;
      if (!acquired) return;
      const entry = transports.get(key);
      if (!entry) return;
      entry.users--;
      if (entry.users > 0) return;
      transports.delete(key);
      void entry.transport.then(
        (t) => t.close(),
        () => {},
      );
    },
  };
}
