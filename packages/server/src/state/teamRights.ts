import type { Actor } from "./commands.js";
import type { ApplyResult } from "./reducer.js";

/**
 * Refuses a team token's delete, acknowledgement or silence of a module that is another team's *when the
 * command applies*: the API checked the rights against its node's copy of the state, which an admin's
 * move of the module (`module.team`) may have overtaken. `module` undefined: a silence of every module,
 * an admin's only. Commands without a role (logs from before teams) and admins' pass.
 */
export function refuseOtherTeams(
  actor: Actor | undefined,
  module: string | undefined,
  what: string,
  teams: { teamOf(module: string): string },
): ApplyResult | undefined {
  if (actor?.role === undefined || actor.role === "admin" || actor.team === undefined) return undefined;
  if (module === undefined) {
    return {
      ok: false,
      code: "AMS_ERR_AUTH_TEAM",
      reason: `only an admin may ${what} every module`,
    };
  }
  const owner = teams.teamOf(module);
  if (owner === actor.team) return undefined;
  return teamRefusal(module, owner);
}

/** The refusal of a change to a module that belongs to another team. */
export function teamRefusal(module: string, owner: string): ApplyResult {
  return {
    ok: false,
    code: "AMS_ERR_AUTH_TEAM",
    reason: `module "${module}" belongs to team "${owner}"`,
  };
}
