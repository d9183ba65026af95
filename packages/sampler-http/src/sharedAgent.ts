import { Agent } from "undici";
import { probePoolFactory } from "./probePool.js";

let agent: Agent | undefined;

/**
 * The one connection pool every HTTP sampler of the process shares, created on first use: probing the
 * same origin every few seconds then reuses a kept-alive connection instead of a new TCP and TLS handshake.
 */
export function sharedAgent(): Agent {
  agent ??= new Agent({
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    // Each probe bounds itself with its own `timeout`; undici's per-phase timers would only cut it shorter.
    headersTimeout: 0,
    bodyTimeout: 0,
    factory: probePoolFactory,
  });
  return agent;
}
