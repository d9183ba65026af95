import { createHmac } from "node:crypto";
import type { HeartbeatRecord } from "@amstaff/core";
import { monitorKey, parseMonitorKey } from "./monitorKey.js";
import type { StoredModule } from "./records.js";
import type { Reducer } from "./reducer.js";

/** The heartbeat part of a snapshot: the cluster's ping-id secret and each monitor's last pings. */
export interface HeartbeatSnapshot {
  secret?: string | undefined;
  records: [string, HeartbeatRecord][];
}

/**
 * A monitor's ping id: an HMAC of its key with the cluster's heartbeat secret, so it is the same on
 * every node, survives restarts and re-pushes, and cannot be derived from the names alone. 128 bits.
 */
export function pingId(secret: string, module: string, monitor: string): string {
  return createHmac("sha256", secret).update(monitorKey(module, monitor)).digest("base64url").slice(0, 22);
}

/** The heartbeat pings committed for each monitor, and the secret that ping ids are made with. */
export class HeartbeatBook {
  #secret: string | undefined;
  readonly #records = new Map<string, HeartbeatRecord>();

  /** The secret ping ids are made with; undefined until the first `heartbeat.secret`. */
  get secret(): string | undefined {
    return this.#secret;
  }

  /** Sets the secret, once: the first one committed wins, so every node makes the same ids. */
  setSecret(secret: string): void {
    this.#secret ??= secret;
  }

  /** The pings of one monitor. */
  get(module: string, monitor: string): HeartbeatRecord | undefined {
    return this.#records.get(monitorKey(module, monitor));
  }

  /** Replaces the pings of one monitor. */
  set(module: string, monitor: string, record: HeartbeatRecord): void {
    this.#records.set(monitorKey(module, monitor), record);
  }

  /** Forgets the pings of monitors that are no longer in any module. */
  prune(modules: readonly StoredModule[]): void {
    const live = new Set(
      modules.flatMap((m) => m.definition.monitors.map((d) => monitorKey(m.name, d.name))),
    );
    for (const key of this.#records.keys()) if (!live.has(key)) this.#records.delete(key);
  }

  /**
   * The monitor whose ping id is `id` among `modules`' monitors sampled by `plugin`; undefined when the
   * secret is not made yet or no monitor has that id.
   */
  find(
    id: string,
    modules: readonly StoredModule[],
    plugin: string,
  ): { module: string; monitor: string } | undefined {
    const secret = this.#secret;
    if (!secret) return undefined;
    for (const module of modules) {
      for (const definition of module.definition.monitors) {
        if (definition.sampler.plugin !== plugin) continue;
        if (pingId(secret, module.name, definition.name) === id) {
          return { module: module.name, monitor: definition.name };
        }
      }
    }
    return undefined;
  }

  /** What a snapshot keeps. */
  all(): HeartbeatSnapshot {
    return { secret: this.#secret, records: [...this.#records] };
  }

  /** Replaces everything by a snapshot's; an older snapshot has none. */
  restore(snapshot: HeartbeatSnapshot | undefined): void {
    this.#secret = snapshot?.secret;
    this.#records.clear();
    for (const [key, record] of snapshot?.records ?? []) {
      const { module, monitor } = parseMonitorKey(key);
      this.set(module, monitor, record);
    }
  }
}

/** `heartbeat.secret`: makes the ping-id secret; a later one (another node's race) changes nothing. */
export const setHeartbeatSecret: Reducer<"heartbeat.secret"> = (state, command) => {
  state.heartbeats.setSecret(command.secret);
  return { ok: true };
};

/**
 * `heartbeat.ping`: a job reported in. A success after a start records the run time; an exit code other
 * than 0 is a failure. Refused for a monitor that is not (any more) in its module.
 */
export const recordPing: Reducer<"heartbeat.ping"> = (state, command) => {
  const { module, monitor, at } = command;
  const stored = state.modules.get(module);
  if (!stored?.definition.monitors.some((m) => m.name === monitor)) {
    return { ok: false, reason: `no monitor "${monitor}" in module "${module}"` };
  }
  const previous = state.heartbeats.get(module, monitor) ?? {};
  const next: HeartbeatRecord = {
    ...previous,
    ...(command.exitCode === undefined ? {} : { exitCode: command.exitCode }),
    ...(command.message === undefined ? {} : { message: command.message }),
  };
  if (command.kind === "start") next.lastStartAt = at;
  if (command.kind === "fail") next.lastFailAt = at;
  if (command.kind === "success") {
    const started = previous.lastStartAt;
    if (started !== undefined && started > (previous.lastSuccessAt ?? Number.NEGATIVE_INFINITY)) {
      next.runMs = at - started;
    }
    next.lastSuccessAt = at;
  }
  state.heartbeats.set(module, monitor, next);
  state.heartbeats.prune(state.modules.list());
  return { ok: true };
};
