// Import-free: the dashboard bundles it to decide which buttons a token sees, so the page and the API's
// checks (./access.ts) read one rule.

/**
 * What a token may do, from most to least: `admin` everything (every team's modules, cluster
 * membership, moving a module to another team); `write` push, delete and roll back its team's modules,
 * and what `operate` may; `operate` acknowledge and silence its team's modules; `read` only `GET`.
 */
export const roles = ["admin", "write", "operate", "read"] as const;

/** A token's role: see {@link roles}. */
export type Role = (typeof roles)[number];

/** Roles from least to most: each may what the ones before it may. */
export const roleRank: Record<Role, number> = { read: 0, operate: 1, write: 2, admin: 3 };

/**
 * Whether a token may do what needs `needed` on a module of team `team`: its role is high enough, and the
 * module is its team's (an admin's: any team's). `team` undefined: every module at once (a silence without
 * a module), which only an admin may.
 */
export function mayAct(
  caller: { role: Role; team: string },
  needed: Role,
  team: string | undefined,
): boolean {
  if (roleRank[caller.role] < roleRank[needed]) return false;
  return caller.role === "admin" || (team !== undefined && caller.team === team);
}
