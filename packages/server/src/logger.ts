import { type DestinationStream, type Logger, pino } from "pino";
import pinoPretty from "pino-pretty";

/**
 * Keys whose values are secrets wherever they appear in a logged object (up to five levels deep): API
 * tokens, the options of handlers once their `secret("NAME")` references are resolved (Slack's `token`
 * and `webhookUrl`, OpsGenie's `apiKey`, SMTP's `auth.pass`, a webhook's `authorization` header).
 */
const secretKeys = [
  "token",
  "apiKey",
  "apiToken",
  "accessToken",
  "password",
  "pass",
  "secret",
  "signingSecret",
  "clusterSecret",
  "internalToken",
  "webhookUrl",
  "authorization",
  "cookie",
];
const redactPaths = secretKeys.flatMap((key) =>
  ["", "*.", "*.*.", "*.*.*.", "*.*.*.*."].map((depth) => depth + key),
);

/** How log lines are written: one JSON object a line, or lines a person reads on a terminal. */
export type LogFormat = "json" | "pretty";

/**
 * The default logger: lines on stdout (or `destination`), in which the values of secret-named keys
 * (tokens, passwords, API keys, authorization headers, webhook URLs) are replaced by `[Redacted]`.
 * `json` writes one JSON object a line, for log collectors; `pretty` writes a time, a level and the
 * message, then the fields indented, coloured when stdout is a terminal.
 * @param format the line format. @default "json"
 */
export function createLogger(
  level: string,
  destination?: DestinationStream,
  format: LogFormat = "json",
): Logger {
  const options = { level, base: { service: "amstaff" }, redact: redactPaths };
  // Redaction happens in pino before a line is serialised, so the pretty printer only ever sees
  // `[Redacted]`. It runs as a synchronous stream in this thread, not a worker transport: no line
  // is lost when the process exits right after logging.
  if (format === "pretty") {
    return pino(
      options,
      pinoPretty({
        destination: destination ?? 1,
        colorize: destination === undefined && process.stdout.isTTY === true,
        sync: true,
        translateTime: "SYS:HH:MM:ss.l",
        ignore: "pid,hostname,service",
        singleLine: false,
      }),
    );
  }
  return destination ? pino(options, destination) : pino(options);
}
