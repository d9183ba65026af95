import { type PluginHost, results, type Sampler } from "@amstaff/core";
import { evaluateHeartbeat } from "./evaluation.js";
import type { ParsedHeartbeatSamplerOptions } from "./options.js";

/** Who the heartbeat sampler watches, and where it reads the pings. */
export interface HeartbeatSamplerIdentity {
  /** The monitor's name. */
  name: string;
  /** The monitor's tags. */
  tags: readonly string[];
  /** The monitor's module. */
  module?: string | undefined;
  /** The server's view of the committed pings. */
  host?: PluginHost | undefined;
  /**
   * The clock, in milliseconds since the epoch (injected by tests).
   * @default Date.now
   */
  now?: (() => number) | undefined;
}

/**
 * Creates a heartbeat sampler: each probe reads the monitor's committed pings from the host and judges
 * them against the schedule (see {@link evaluateHeartbeat}); it does no I/O. Outside an Amstaff server
 * (no host with heartbeats) every probe is `unknown`, saying so.
 */
export function createHeartbeatSampler(
  options: ParsedHeartbeatSamplerOptions,
  identity: HeartbeatSamplerIdentity,
): Sampler {
  const now = identity.now ?? Date.now;
  const watchedSince = now();
  const { module, host, name } = identity;
  return {
    name,
    tags: identity.tags,
    async probe() {
      const heartbeats = host?.heartbeats;
      if (!heartbeats || module === undefined) {
        return results.unknown(
          "No heartbeat pings to read: a heartbeat monitor runs inside an Amstaff server, which receives its pings",
          { timestamp: now() },
        );
      }
      return evaluateHeartbeat(options, heartbeats.get(module, name), { now: now(), watchedSince });
    },
  };
}
