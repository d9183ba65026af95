import type { PluginSpec } from "@amstaff/core";
import { type EmailOptions, emailPluginId } from "./options.js";

/**
 * In a module file: email someone when the monitor changes status. Assembles plain data only; the server
 * validates the options and sends from the node that owns the module.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { email } from "@amstaff/handler-email";
 * import { httpGet } from "@amstaff/sampler-http";
 *
 * export default amstaff("User Service", (m) => {
 *   m.monitor("Health-Check", {
 *     sampler: httpGet({ url: "http://user-service/health" }),
 *     timing: every("30s"),
 *     handlers: [
 *       email({
 *         host: "smtp.example.com",
 *         requireTLS: true,
 *         auth: { user: "alerts@example.com", pass: secret("SMTP_PASSWORD") },
 *         from: "Amstaff <alerts@example.com>",
 *         to: ["oncall@example.com", "team8@example.com"],
 *       }),
 *     ],
 *   });
 * });
 * ```
 */
export function email(options: EmailOptions): PluginSpec<typeof emailPluginId, EmailOptions> {
  return { plugin: emailPluginId, options };
}
