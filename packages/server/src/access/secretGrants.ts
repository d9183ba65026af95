import { AmstaffError, formatIssues, type SecretRequester, secretNamePattern } from "@amstaff/core";
import { z } from "zod";
import { defaultTeam } from "./access.js";

/** Names starting with this are the server's own settings (`AMSTAFF_TOKEN`, ...): never secrets. */
export const reservedPrefix = "AMSTAFF_";

const patternsSchema = z.array(z.string().trim().min(1, "an empty name grants nothing")).default([]);

/** Who may use one secret: modules by name or glob (`*`, `?`), teams by name. */
const grantSchema = z
  .strictObject({
    /**
     * Module names or globs, of team `default` (`"User Service"`, `"*"`: every module of team `default`),
     * or of the teams a team glob names, before a `/` (`"payments/payments-*"`; the team glob `*` names
     * every team, so `*` `/` `*` is every module of every team).
     */
    modules: patternsSchema.refine((patterns) => patterns.every((p) => p.split("/").length <= 2), {
      message: 'a module is "Module name" (team default\'s) or "team/Module name": one "/" at most',
    }),
    /** Team names. */
    teams: patternsSchema,
  })
  .refine((grant) => grant.modules.length + grant.teams.length > 0, {
    message:
      'grants nothing: list who may use it, e.g. { "modules": ["User Service"], "teams": ["payments"] }',
  });

/**
 * The grants: for each secret name, which modules and teams may use it. A secret with no entry is usable
 * by no module.
 *
 * @example
 * ```json
 * {
 *   "SLACK_TOKEN": { "modules": ["User Service", "payments/payments-*"], "teams": ["checkout"] },
 *   "PAGER_KEY": { "teams": ["payments", "checkout"], "modules": ["*"] }
 * }
 * ```
 */
export const secretGrantsSchema = z.record(z.string(), grantSchema).superRefine((grants, context) => {
  // Checked here rather than as the record's key schema, whose issues do not say what is wrong.
  for (const name of Object.keys(grants)) {
    if (!secretNamePattern.test(name)) {
      context.addIssue({ code: "custom", path: [name], message: "not a secret name like SLACK_TOKEN" });
    } else if (name.startsWith(reservedPrefix)) {
      context.addIssue({
        code: "custom",
        path: [name],
        message: `names starting with ${reservedPrefix} are the server's own settings and can never be secrets`,
      });
    }
  }
});

/** Grants as written in a grants file or `AMSTAFF_SECRETS_GRANTS`, see {@link secretGrantsSchema}. */
export type SecretGrants = z.input<typeof secretGrantsSchema>;

/** Grants once validated. */
export type Grants = z.output<typeof secretGrantsSchema>;

/** Parses and validates grants; `where` names the file or variable in errors. */
export function parseGrants(input: string | SecretGrants, where: string): Grants {
  let json: unknown = input;
  if (typeof input === "string") {
    try {
      json = JSON.parse(input);
    } catch (cause) {
      throw new AmstaffError(
        "AMS_ERR_SECRET_STORE",
        `The secret grants in ${where} are not valid JSON (${(cause as Error).message}): write { "SECRET_NAME": { "modules": ["Module name"], "teams": ["team"] } }.`,
        { cause },
      );
    }
  }
  const parsed = secretGrantsSchema.safeParse(json);
  if (!parsed.success) {
    throw new AmstaffError(
      "AMS_ERR_SECRET_STORE",
      `The secret grants in ${where} are invalid: ${formatIssues(parsed.error.issues)}. Write { "SECRET_NAME": { "modules": ["Module name"], "teams": ["team"] } }.`,
    );
  }
  return parsed.data;
}

/**
 * Whether a grant's `modules` entry names `requester`. `"<module glob>"` names the modules of team
 * `default` (those the server's own and `AMSTAFF_TOKENS` tokens push) — not any team's: a module's name is
 * whatever the team that first pushes it chooses, so a name alone must not reach other teams' modules.
 * `"<team glob>/<module glob>"` names the modules of the matching teams (module names never hold a `/`).
 * A requester whose team is not known counts as team `default`'s.
 */
export function grantNamesModule(pattern: string, requester: SecretRequester): boolean {
  const slash = pattern.indexOf("/");
  const teamGlob = slash < 0 ? defaultTeam : pattern.slice(0, slash);
  const moduleGlob = slash < 0 ? pattern : pattern.slice(slash + 1);
  return globMatches(teamGlob, requester.team ?? defaultTeam) && globMatches(moduleGlob, requester.module);
}

/** The `modules` entry that grants exactly `module` of `team`: its name alone when team `default`'s. */
export function grantPatternOf(module: string, team: string | undefined): string {
  return team === undefined || team === defaultTeam ? module : `${team}/${module}`;
}

/**
 * Whether `name` matches a glob where `*` stands for any run of characters and `?` for one; every other
 * character stands for itself. Linear in practice: the classic two-pointer match with one backtrack point.
 */
export function globMatches(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === name[n])) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      resume = n;
    } else if (star >= 0) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}
