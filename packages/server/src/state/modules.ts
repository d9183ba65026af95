import { createHash } from "node:crypto";
import { shareDefinitionParts } from "@amstaff/core";
import { defaultTeam } from "../access/access.js";
import { monitorDefinition } from "./monitorDefinitions.js";
import { forgetMonitor, reconcileMonitors } from "./monitors.js";
import type { ModuleRevision, StoredModule } from "./records.js";
import type { CommandOf, Reducer } from "./reducer.js";
import { refuseOtherTeams, teamRefusal } from "./teamRights.js";

/** How many pushed versions of each module are kept for history and rollback. */
export const revisionsKept = 50;

/** The modules: the current version of each, the versions pushed so far, and the team of each name. */
export class ModuleRegistry {
  readonly #modules = new Map<string, StoredModule>();
  readonly #history = new Map<string, ModuleRevision[]>();
  /** The team of every module name that has history (a deleted module stays its team's). */
  readonly #teams = new Map<string, string>();

  /** Every module, by name. */
  list(): StoredModule[] {
    return [...this.#modules.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The names of the modules that exist, in the order they were first pushed. */
  names(): string[] {
    return [...this.#modules.keys()];
  }

  /** The current version of a module, if it exists. */
  get(name: string): StoredModule | undefined {
    return this.#modules.get(name);
  }

  /** The versions of a module pushed so far, oldest first (also after it was deleted). */
  history(name: string): ModuleRevision[] {
    return this.#history.get(name) ?? [];
  }

  /** The team a module name was recorded with, if it was ever pushed. */
  recordedTeam(name: string): string | undefined {
    return this.#teams.get(name);
  }

  /** The team a module belongs to; `default` for a name never pushed. */
  teamOf(name: string): string {
    return this.#teams.get(name) ?? defaultTeam;
  }

  /** Stores a pushed version as the module's current one and appends it to its history. */
  put(command: CommandOf<"module.put">, index: number, team: string): StoredModule {
    const { name, source, definition, at } = command;
    const by = pusherOf(command);
    this.#teams.set(name, team);
    const previous = this.#modules.get(name);
    const history = this.#history.get(name) ?? [];
    const revision = (history.at(-1)?.revision ?? 0) + 1;
    const hash = createHash("sha256").update(source).digest("hex");
    const module: StoredModule = {
      name,
      source,
      definition,
      version: index,
      revision,
      hash,
      pushedBy: by,
      team,
      createdAt: previous?.createdAt ?? at,
      updatedAt: at,
    };
    // History outlives a delete, so a deleted module can be rolled back into existence.
    history.push({
      revision,
      version: index,
      hash,
      pushedBy: by,
      ...(command.actor?.team !== undefined && { pushedByTeam: command.actor.team }),
      ...(command.rollbackOf !== undefined && { rollbackOf: command.rollbackOf }),
      at,
      source,
      monitors: definition.monitors.map((m) => m.name),
    });
    this.#history.set(name, history.slice(-revisionsKept));
    this.#modules.set(name, module);
    return module;
  }

  /** Removes a module's current version (its history and team stay); returns it, if it existed. */
  delete(name: string): StoredModule | undefined {
    const module = this.#modules.get(name);
    this.#modules.delete(name);
    return module;
  }

  /** Gives a module name (its current version and history) to another team; returns the current version. */
  move(name: string, team: string): StoredModule | undefined {
    this.#teams.set(name, team);
    const module = this.#modules.get(name);
    if (module) module.team = team;
    return module;
  }

  /** Every name's history, for a snapshot. */
  histories(): [string, ModuleRevision[]][] {
    return [...this.#history.entries()];
  }

  /** The team of every module name that has history, for a snapshot. */
  teams(): [string, string][] {
    return [...this.#teams.entries()];
  }

  /** The current versions, in the order they were first pushed, for a snapshot. */
  all(): StoredModule[] {
    return [...this.#modules.values()];
  }

  /** Replaces every module, history and team by a snapshot's. */
  restore(
    modules: StoredModule[],
    history: [string, ModuleRevision[]][],
    teams: [string, string][] | undefined,
  ): void {
    this.#modules.clear();
    this.#history.clear();
    this.#teams.clear();
    // A snapshot from before teams: every module it knows is team `default`'s, as its log would say.
    for (const [name] of history) this.#teams.set(name, defaultTeam);
    for (const m of modules) this.#teams.set(m.name, m.team ?? defaultTeam);
    for (const [name, team] of teams ?? []) this.#teams.set(name, team);
    for (const [name, revisions] of history) this.#history.set(name, revisions);
    for (const m of modules) {
      // A snapshot's definitions are JSON.parse's: shared again as a push's parse shares them.
      shareDefinitionParts(m.definition);
      this.#modules.set(m.name, { ...m, team: this.teamOf(m.name) });
    }
  }
}

/** The name a push is recorded under: its token's, or `unknown` in logs from before tokens had names. */
const pusherOf = (command: CommandOf<"module.put">): string => command.actor?.name ?? command.by ?? "unknown";

/**
 * `module.put`: a push or a rollback. A new name becomes the pushing team's; monitors that survive keep
 * their status, removed ones close their incidents.
 */
export const putModule: Reducer<"module.put"> = (state, command, index) => {
  const { name, at } = command;
  const owner = state.modules.recordedTeam(name);
  // The API checks this first; here it settles two teams racing for one new name, the same on every node.
  if (owner !== undefined && command.team !== undefined && command.team !== owner) {
    return teamRefusal(name, owner);
  }
  const previous = state.modules.get(name);
  const module = state.modules.put(command, index, owner ?? command.team ?? defaultTeam);
  reconcileMonitors(state, previous, module, index, at);
  const rollback = command.rollbackOf !== undefined;
  state.audit.record(
    index,
    at,
    rollback ? "module.rollback" : "module.push",
    command.actor ?? { name: pusherOf(command) },
    {
      target: name,
      teams: [module.team],
      detail: rollback
        ? `revision ${module.revision} (re-applies ${command.rollbackOf})`
        : `revision ${module.revision}`,
    },
  );
  return { ok: true, module };
};

/** `module.delete`: its monitors are forgotten (their open incidents close); its history stays. */
export const deleteModule: Reducer<"module.delete"> = (state, command, index) => {
  const refused = refuseOtherTeams(command.actor, command.name, "delete", state.modules);
  if (refused) return refused;
  const module = state.modules.delete(command.name);
  if (!module) return { ok: false, reason: `module "${command.name}" does not exist` };
  for (const record of state.monitors.ofModule(command.name)) {
    const definition = monitorDefinition(module.definition, record.monitor);
    forgetMonitor(state, command.name, record.monitor, definition, index, command.at);
  }
  state.audit.record(index, command.at, "module.delete", command.actor, {
    target: command.name,
    teams: [state.modules.teamOf(command.name)],
  });
  return { ok: true };
};

/** `module.team`: an admin gives a module, and its history, to another team. */
export const moveModule: Reducer<"module.team"> = (state, command, index) => {
  const from = state.modules.recordedTeam(command.name);
  if (from === undefined) return { ok: false, reason: `module "${command.name}" does not exist` };
  if (from === command.team)
    return { ok: false, reason: `module "${command.name}" is team "${from}"'s already` };
  const module = state.modules.move(command.name, command.team);
  state.audit.record(index, command.at, "module.team", command.actor, {
    target: command.name,
    teams: [from, command.team],
    detail: `from team "${from}" to team "${command.team}"`,
  });
  return { ok: true, ...(module && { module }) };
};
