import { z } from "zod";

/** The id of the TCP sampler plugin, its npm package name. */
export const tcpPluginId = "amstaff-sampler-tcp";

/** Validates the options of the TCP sampler and applies their defaults. */
export const tcpOptionsSchema = z.strictObject({
  /**
   * The host name or IP address to connect to.
   * @example "db.internal"
   */
  host: z.string().min(1, "a host name or IP address"),
  /** The TCP port. */
  port: z.number().int().min(1, "a port from 1 to 65535").max(65535, "a port from 1 to 65535"),
  /**
   * How long to wait for the connection, in milliseconds.
   * @default 5000
   */
  timeoutMs: z.number().int().positive().default(5000),
});

/** Options of the TCP sampler, as users write them. */
export type TcpOptions = z.input<typeof tcpOptionsSchema>;

/** Options of the TCP sampler after validation, defaults applied. */
export type ParsedTcpOptions = z.output<typeof tcpOptionsSchema>;
