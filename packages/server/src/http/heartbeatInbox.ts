import type { HeartbeatInbox, HeartbeatPing } from "@amstaff/core";
import type { Clock } from "../clock.js";
import type { ReplicatedLog } from "../state/replicatedLog.js";
import type { StateMachine } from "../state/stateMachine.js";

/**
 * A ping of the same kind for the same monitor within this long of the last committed one is answered
 * but not committed: a job pinging in a tight loop cannot flood the replicated log.
 */
export const pingCoalesceMs = 1_000;

/** The longest ping message committed, in characters (the command's own limit). */
const messageMaxChars = 1024;

/** What {@link heartbeatInbox} needs from the server. */
export interface HeartbeatInboxDeps {
  machine: StateMachine;
  log: ReplicatedLog;
  clock: Clock;
}

function lastOfKind(machine: StateMachine, target: { module: string; monitor: string }, ping: HeartbeatPing) {
  const record = machine.heartbeat(target.module, target.monitor);
  if (ping.kind === "start") return record?.lastStartAt;
  return ping.kind === "fail" ? record?.lastFailAt : record?.lastSuccessAt;
}

/**
 * The host's heartbeat inbox for a sampler plugin: finds the monitor (of that plugin) a ping id belongs
 * to and commits the ping as a `heartbeat.ping` command, from whichever node received it.
 */
export function heartbeatInbox(deps: HeartbeatInboxDeps, plugin: string): HeartbeatInbox {
  return {
    async record(id, ping) {
      const target = deps.machine.pingTarget(id, plugin);
      if (!target) return "unknown";
      const at = deps.clock.now();
      const last = lastOfKind(deps.machine, target, ping);
      if (last !== undefined && at - last < pingCoalesceMs) return "coalesced";
      const applied = await deps.log.propose({
        type: "heartbeat.ping",
        ...target,
        kind: ping.kind,
        exitCode: ping.exitCode,
        message: ping.message?.slice(0, messageMaxChars),
        at,
      });
      if (!applied.ok) throw new Error(applied.reason);
      return "recorded";
    },
  };
}
