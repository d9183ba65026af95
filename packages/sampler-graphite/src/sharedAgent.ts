import { Agent } from "undici";

let agent: Agent | undefined;

/**
 * The one connection pool every Graphite sampler of the process shares, created on first use: probing the
 * same graphite-web every few seconds then reuses a kept-alive connection instead of a new TCP and TLS
 * handshake.
 */
export function sharedAgent(): Agent {
  agent ??= new Agent({
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    // Each probe bounds itself with its own `timeout`; undici's per-phase timers would only cut it shorter.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  return agent;
}
