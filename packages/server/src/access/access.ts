import { AmstaffError } from "@amstaff/core";
import { z } from "zod";
import { mayAct, type Role, roleRank } from "./rights.js";

export { type Role, roles } from "./rights.js";

/** The team of the server's own token and of the tokens from `AMSTAFF_TOKENS` / `AMSTAFF_READ_TOKENS`, and of modules pushed before teams existed. */
export const defaultTeam = "default";

/** A token's or team's name: letters, digits, `_`, `.` and `-`, 1 to 64 characters. */
export const nameSchema = z
  .string()
  .regex(/^[\w.-]{1,64}$/, "letters, digits, _ . and - only, 1 to 64 characters");

/** Who is calling: the name, team and role of the token a request presents. */
export interface Principal {
  /** The token's name, recorded with every write it makes. */
  name: string;
  team: string;
  role: Role;
}

const actionOf: Record<Role, string> = {
  admin: "only an admin token may",
  write: "a write (or admin) token is needed to",
  operate: "an operate, write or admin token is needed to",
  read: "any token may",
};

/**
 * Refuses (403 `AMS_ERR_AUTH_ROLE`) a caller whose role is below `needed`.
 *
 * @param what the action, for the message: "push modules", "change cluster membership"
 */
export function requireRole(caller: Principal, needed: Role, what: string): void {
  if (roleRank[caller.role] >= roleRank[needed]) return;
  throw new AmstaffError(
    "AMS_ERR_AUTH_ROLE",
    `Token "${caller.name}" has role ${caller.role}: ${actionOf[needed]} ${what}. Ask an admin for a token with that role (amstaff-server token create).`,
    { details: { token: caller.name, team: caller.team, role: caller.role, needed } },
  );
}

/**
 * Refuses a caller below `needed` (`AMS_ERR_AUTH_ROLE`), or acting on another team's module
 * (`AMS_ERR_AUTH_TEAM`); an admin may act on every team's.
 */
export function requireTeam(
  caller: Principal,
  needed: Role,
  what: string,
  module: { name: string; team: string },
): void {
  if (mayAct(caller, needed, module.team)) return;
  requireRole(caller, needed, what);
  throw new AmstaffError(
    "AMS_ERR_AUTH_TEAM",
    `Module "${module.name}" belongs to team "${module.team}", and token "${caller.name}" is of team "${caller.team}": it may not ${what} it. Use a token of team "${module.team}", or ask an admin to move the module.`,
    { details: { token: caller.name, team: caller.team, module: module.name, moduleTeam: module.team } },
  );
}
