import { Agent } from "undici";

let agent: Agent | undefined;

/**
 * The keep-alive undici `Agent` every HTTP handler of the process sends through, unless given a dispatcher
 * of its own. Created on first use, not at import, so importing a handler opens nothing.
 */
export function sharedAgent(): Agent {
  agent ??= new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 16 });
  return agent;
}
