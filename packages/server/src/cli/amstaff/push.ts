import { type Command, exit, readSource } from "./command.js";
import type { PushResult } from "./responses.js";

/** `amstaff push <file>`: shows what a module file changes, and applies it (unless `--dry-run`). */
export const push: Command = {
  help: "amstaff push <file> [--dry-run] [--team <team>]\n\nSends the file to the server: prints the monitors added, changed and removed; --dry-run changes nothing.\nA new module becomes the team's of the token; an admin token may name another with --team.",
  async run({ args, flags, need, client, json, out }) {
    need(1, "a module file");
    const source = readSource(args[0]!);
    const dryRun = flags["dry-run"] === true;
    const query = new URLSearchParams({
      ...(dryRun && { dryRun: "true" }),
      ...(flags.team !== undefined && { team: flags.team }),
    }).toString();
    const result = await client().request<PushResult>("POST", `/monitor${query ? `?${query}` : ""}`, source);
    if (flags.json) return json(result);
    const { diff } = result;
    const lines = [
      ...diff.added.map((m) => `  + ${m}`),
      ...diff.changed.map((m) => `  ~ ${m}`),
      ...diff.removed.map((m) => `  - ${m}`),
    ];
    if (!result.changed) out(`= ${result.module}: unchanged (revision ${result.revision})`);
    else if (dryRun)
      out(
        `${result.module} (dry run, nothing applied):\n${lines.join("\n") || "  (same monitors, new source)"}`,
      );
    else
      out(
        `✔ ${result.module} is at revision ${result.revision} (team ${result.team}):\n${lines.join("\n") || "  (same monitors, new source)"}`,
      );
    return exit.ok;
  },
};
