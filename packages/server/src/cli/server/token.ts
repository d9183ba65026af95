import { parseArgs } from "node:util";
import { roles } from "../../access/access.js";
import { createTokenEntry, readTokensFile, revokeTokenEntry } from "../../access/tokensFile.js";
import { renderTable } from "../format.js";

/** `amstaff-server token --help`. */
export const tokenUsage = `Usage: amstaff-server token <command> [options]

Manages a tokens file (--file, or env AMSTAFF_TOKENS_FILE): API tokens with a team and a role, kept
as SHA-256 hashes. A running server that reads the file (--tokens-file) picks changes up within a second.

Commands:
  create --name <name> --team <team> --role <role>
                 make a token and add it; prints the token (only this once) on stdout
  list           the file's tokens: name, team, role, created (never a hash)
  revoke --name <name>
                 remove a token: the server stops accepting it

Roles: ${roles.join(", ")} (admin: everything; write: push, delete, roll back the team's modules, and
operate; operate: ack and silence the team's modules; read: GET only).
`;

/**
 * Runs `amstaff-server token ...`, writing to the given streams; returns the exit code.
 *
 * @throws AmstaffError for a bad file, name, team or role (the caller prints it)
 */
export function runTokenCommand(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (text: string) => void,
  err: (text: string) => void,
): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: "string" },
      team: { type: "string" },
      role: { type: "string" },
      file: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  const [command] = positionals;
  if (values.help || command === undefined) {
    out(tokenUsage);
    return values.help ? 0 : 2;
  }
  const file = values.file ?? env.AMSTAFF_TOKENS_FILE;
  if (file === undefined || file === "") {
    err("amstaff-server token: give the tokens file with --file <path> (or AMSTAFF_TOKENS_FILE)\n");
    return 2;
  }
  switch (command) {
    case "create": {
      const { name, team, role } = values;
      if (name === undefined || team === undefined || role === undefined) {
        err("amstaff-server token create: --name, --team and --role are all needed\n");
        return 2;
      }
      const { token, entry } = createTokenEntry(file, { name, team, role });
      out(`${token}\n`);
      err(
        `Added token "${entry.name}" (team ${entry.team}, role ${entry.role}) to ${file}.\nThe token is shown only this once: the file keeps its hash. Give it to its owner, e.g. as AMSTAFF_TOKEN for the amstaff CLI.\n`,
      );
      return 0;
    }
    case "list": {
      const entries = readTokensFile(file);
      if (entries.length === 0) {
        out("no tokens\n");
        return 0;
      }
      out(
        `${renderTable(
          ["NAME", "TEAM", "ROLE", "CREATED"],
          entries.map((e) => [e.name, e.team, e.role, e.createdAt ?? "-"]),
        )}\n`,
      );
      return 0;
    }
    case "revoke": {
      if (values.name === undefined) {
        err("amstaff-server token revoke: --name is needed\n");
        return 2;
      }
      const removed = revokeTokenEntry(file, values.name);
      err(`Revoked token "${removed.name}" (team ${removed.team}, role ${removed.role}).\n`);
      return 0;
    }
    default:
      err(`amstaff-server token: unknown command "${command}"\n\n${tokenUsage}`);
      return 2;
  }
}
