import type { PluginSpec } from "@amstaff/core";
import { type NtfyOptions, ntfyPluginId } from "./options.js";

/** What {@link ntfy} returns: plain data a module file puts in a monitor's `handlers`. */
export type NtfyHandlerSpec = PluginSpec<typeof ntfyPluginId, NtfyOptions>;

/**
 * In a module file: push a notification to an ntfy topic when the monitor changes status. Only
 * assembles data; the server validates the options and runs the handler on the node that owns the module.
 *
 * @example
 * ```ts
 * m.monitor("Checkout", {
 *   sampler: httpGet({ url: "https://shop.example.com/health" }),
 *   timing: every("30s"),
 *   handlers: [ntfy({ topic: "payments-alerts", token: secret("NTFY_TOKEN") })],
 * });
 * ```
 */
export function ntfy(options: NtfyOptions): NtfyHandlerSpec {
  return { plugin: ntfyPluginId, options: { ...options } };
}
