import { AmstaffError, type ModuleDefinition } from "@amstaff/core";
import { formatCompileErrors } from "@amstaff/dsl/compiler";
import type { Principal } from "../access/access.js";
import type { HttpApiDeps } from "./deps.js";
import { diffModules, type ModuleDiff } from "./diff.js";
import { actorOf } from "./writes.js";

/** What a push or rollback answers. */
export interface PushResult {
  module: string;
  team: string;
  revision: number | null;
  version?: number;
  changed: boolean;
  dryRun: boolean;
  diff: ModuleDiff;
  monitors?: string[];
}

/** A push or rollback's caller, the team the module belongs to, and the revision it rolls back to. */
export interface PushIntent {
  caller: Principal;
  team: string;
  rollbackOf?: number;
}

type Deps = Pick<HttpApiDeps, "machine" | "log" | "compile" | "clock">;

/**
 * Compiles a module's source for a team, or throws the 400 `AMS_ERR_MODULE_INVALID` whose message is the
 * compiler's readable text and whose `errors` list each error with its file, line and column.
 */
export async function compileOr400(deps: Deps, source: string, team: string): Promise<ModuleDefinition> {
  const compiled = await deps.compile(source, { team });
  if (compiled.ok) return compiled.definition;
  throw new AmstaffError("AMS_ERR_MODULE_INVALID", formatCompileErrors(compiled.errors), {
    details: { errors: compiled.errors },
  });
}

/**
 * Stores a compiled module unless it is identical to the running one; `dryRun` only reports. Answers
 * 201 for a new module, 200 otherwise.
 */
export async function applyModule(
  deps: Deps,
  source: string,
  definition: ModuleDefinition,
  push: PushIntent,
  dryRun: boolean,
): Promise<{ status: 200 | 201; body: PushResult }> {
  const { machine, log, clock } = deps;
  const existing = machine.module(definition.name);
  const diff = diffModules(existing?.definition, definition);
  const unchanged =
    existing !== undefined &&
    existing.source === source &&
    JSON.stringify(existing.definition) === JSON.stringify(definition);
  if (dryRun || unchanged) {
    return {
      status: 200,
      body: {
        module: definition.name,
        team: push.team,
        revision: existing?.revision ?? null,
        changed: !unchanged,
        dryRun,
        diff,
      },
    };
  }
  const applied = await log.propose({
    type: "module.put",
    name: definition.name,
    source,
    definition,
    by: push.caller.name,
    team: push.team,
    actor: actorOf(push.caller),
    ...(push.rollbackOf !== undefined && { rollbackOf: push.rollbackOf }),
    at: clock.now(),
  });
  if (!applied.ok && applied.code === "AMS_ERR_AUTH_TEAM") {
    throw new AmstaffError(
      "AMS_ERR_AUTH_TEAM",
      `Not pushed: ${applied.reason} (it was claimed or moved meanwhile).`,
    );
  }
  if (!applied.ok || !applied.module) {
    throw new AmstaffError(
      "AMS_ERR_INTERNAL",
      `The module was not stored: ${applied.ok ? "no result" : applied.reason}`,
    );
  }
  return {
    status: existing ? 200 : 201,
    body: {
      module: definition.name,
      team: applied.module.team,
      revision: applied.module.revision,
      version: applied.module.version,
      changed: true,
      dryRun: false,
      diff,
      monitors: definition.monitors.map((m) => m.name),
    },
  };
}
