import type { Duration, PluginSpec, SampleStatus } from "@amstaff/core";

// Only type imports from @amstaff/core: builders.ts, and so this file, is bundled into the compiler's
// sandbox, where it must stay tiny and must not pull in @amstaff/core's or zod's runtime.

/** Which status changes a handler hears about; an absent list means any. */
export interface Route {
  /** Only changes from these statuses (`"pending"` is a new monitor's status before its first result). */
  from?: readonly (SampleStatus | "pending")[] | undefined;
  /** Only changes to these statuses. */
  to?: readonly SampleStatus[] | undefined;
}

/** A handler limited to some status changes: what {@link only} returns. */
export type RoutedHandler = PluginSpec & { on: Route };

/**
 * Limits a handler to some status changes. A handler that heard of an incident always hears of its
 * recovery, whatever its route, so nothing is left open downstream.
 *
 * @example
 * ```ts
 * handlers: [
 *   slack({ token: secret("SLACK_TOKEN"), channel: "#user-service" }),
 *   only(opsgenie({ apiKey: secret("OPSGENIE_KEY") }), { to: ["critical"] }),
 * ]
 * ```
 */
export function only(handler: PluginSpec, on: Route): RoutedHandler {
  return { ...handler, on };
}

/** How a handler groups its notifications: see {@link grouped}. */
export interface GroupOptions {
  /**
   * What notifications are grouped by, within the module: `"module"` (all its monitors), `"status"`
   * (the status they changed to), `"tag:<name>"` (the value of the monitors' `<name>:<value>` tag).
   * @default ["module"]
   */
  by?: readonly ("module" | "status" | `tag:${string}`)[] | undefined;
  /**
   * How long a new group waits to collect more notifications before its first message.
   * @default "30s"
   */
  wait?: Duration | undefined;
  /**
   * At most one message per group this often after its first; a resolve waits at most this long.
   * @default "5m"
   */
  interval?: Duration | undefined;
}

/** A handler whose notifications are grouped: what {@link grouped} returns. */
export type GroupedHandler<H extends PluginSpec = PluginSpec> = H & { group: GroupOptions };

/**
 * Groups a handler's notifications (Alertmanager's `group_by`, `group_wait`, `group_interval`): the
 * first of a new group waits `wait` to collect others, then the group sends at most one message per
 * `interval`, listing its monitors. A resolve is never held longer than that, nor dropped. Groups stay
 * within a module.
 *
 * @example
 * ```ts
 * handlers: [grouped(webhook({ url: "https://hooks.example.com/amstaff" }), { wait: "30s", interval: "5m" })]
 * ```
 */
export function grouped<H extends PluginSpec>(handler: H, group: GroupOptions = {}): GroupedHandler<H> {
  return { ...handler, group };
}

/** Notifications a handler hears beyond status changes: see {@link notifyOn}. */
export interface NotifyOnOptions {
  /**
   * An `acknowledged` notification as soon as someone acknowledges an incident the handler heard of.
   * @default the plugin's choice (PagerDuty: true; others: false)
   */
  acknowledged?: boolean | undefined;
}

/**
 * Opts a handler into (or out of) notifications beyond status changes, overriding its plugin's choice.
 *
 * @example
 * ```ts
 * handlers: [notifyOn(slack({ token: secret("SLACK_TOKEN"), channel: "#ops" }), { acknowledged: true })]
 * ```
 */
export function notifyOn<H extends PluginSpec>(
  handler: H,
  options: NotifyOnOptions,
): H & { notifyOn: NotifyOnOptions } {
  return { ...handler, notifyOn: options };
}
