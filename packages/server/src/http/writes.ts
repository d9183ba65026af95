import { AmstaffError } from "@amstaff/core";
import type { Principal } from "../access/access.js";
import type { Actor } from "../state/commands.js";
import type { ApplyResult } from "../state/stateMachine.js";

/** How a write's caller is recorded in the log (and so in the audit and the module's history). */
export const actorOf = (caller: Principal): Actor => ({
  name: caller.name,
  team: caller.team,
  role: caller.role,
});

/**
 * The 403 for a write the state machine refused on apply because the module is (by then) another team's —
 * an admin moved it while the request was on its way; undefined for any other refusal.
 */
export function refusal(applied: ApplyResult, what: string): AmstaffError | undefined {
  if (applied.ok || applied.code !== "AMS_ERR_AUTH_TEAM") return undefined;
  return new AmstaffError(
    "AMS_ERR_AUTH_TEAM",
    `${what}: ${applied.reason} (it was moved meanwhile). Use a token of that team, or ask an admin.`,
  );
}
