import type { Duration, PluginSpec, SampleStatus } from "@amstaff/core";

// Only type imports from @amstaff/core: builders.ts, and so this file, is bundled into the compiler's
// sandbox, where it must stay tiny and must not pull in @amstaff/core's or zod's runtime.

/** What an `unknown` sample (the sampler itself failed) counts as; `"ignore"` skips it. */
export type UnknownMeaning = "unknown" | "ok" | "warning" | "critical" | "ignore";

/** Flap detection: see {@link PolicyOptions.flapping}. */
export interface FlappingOptions {
  /** How many of the latest samples to look at (4 to 200). */
  samples: number;
  /** The share of changes between consecutive samples (0 to 1) at which the monitor starts flapping. */
  high: number;
  /** The share at or below which it stops flapping; below `high`. */
  low: number;
}

/** What {@link policy} takes. Every field is optional; the defaults alert on every change at once. */
export interface PolicyOptions {
  /**
   * When a healthy monitor opens an incident:
   * - `{ consecutive: 3 }`: three failing samples in a row;
   * - `{ failures: 3, of: 5 }`: three failing samples among the last five;
   * - `{ failures: 3, within: "10m" }`: three failing samples within ten minutes.
   * @default { consecutive: 1 }
   */
  open?:
    | { consecutive: number }
    | { failures: number; of: number }
    | { failures: number; within: Duration }
    | undefined;
  /**
   * How many `ok` samples in a row resolve an incident (hysteresis: a flaky recovery stays open).
   * @default { consecutive: the open rule's consecutive, else 1 }
   */
  resolve?: { consecutive: number } | undefined;
  /**
   * What a sample counts as when the sampler itself failed (timeout, crash, misconfiguration):
   * `"unknown"` (its own status, routed like a failure), `"critical"`, `"warning"`, `"ok"`, or
   * `"ignore"` (skip the sample: it neither opens nor resolves anything).
   * @default "unknown"
   */
  unknown?: UnknownMeaning | undefined;
  /**
   * Flap detection: a monitor whose status changed between `high` (e.g. 0.5: every other sample) of
   * its last `samples` samples is held in one announced "flapping" state, instead of paging on every
   * change, until the share falls to `low`.
   * @default none
   */
  flapping?: FlappingOptions | undefined;
  /**
   * Who hears of which status: `{ warning: [slackTeam], critical: [slackTeam, pager] }`. A handler
   * listed under several statuses is one handler (pass the same value); it hears of the incident's
   * resolve once if it heard of anything.
   * @default {}
   */
  notify?: { readonly [S in Exclude<SampleStatus, "ok">]?: readonly PluginSpec[] } | undefined;
  /**
   * Escalation stages: handlers that hear of an incident only once it has been open `after` this long
   * without being acknowledged or resolved. Acknowledging stops further stages, never the resolve.
   * @default []
   */
  escalate?: readonly { after: Duration; notify: readonly PluginSpec[] }[] | undefined;
  /**
   * While an incident stays open and unacknowledged, remind the handlers that heard of it this often.
   * @default never
   */
  renotify?: Duration | undefined;
}

declare const policyBrand: unique symbol;

/** A reusable alert policy: what {@link policy} returns. Share it between monitors and modules. */
export interface Policy extends PolicyOptions {
  readonly [policyBrand]: "Policy";
}

/**
 * Declares an alert policy: when a monitor opens and resolves an incident, who hears of which status,
 * escalation, re-notification and flap detection. A policy is a plain value: define your team's once
 * (in a shared file) and give it to many monitors.
 *
 * @example
 * ```ts
 * const team = slack({ token: secret("SLACK_TOKEN"), channel: "#payments" });
 * export const paging = policy({
 *   open: { failures: 3, of: 5 },
 *   resolve: { consecutive: 2 },
 *   unknown: "ignore",
 *   notify: { warning: [team], critical: [team] },
 *   escalate: [{ after: "10m", notify: [opsgenie({ apiKey: secret("OPSGENIE_KEY") })] }],
 *   renotify: "1h",
 *   flapping: { samples: 10, high: 0.5, low: 0.2 },
 * });
 * ```
 */
export function policy(options: PolicyOptions): Policy {
  return { ...options } as Policy;
}
