import { renderTable } from "../format.js";
import { type Command, exit, UsageError } from "./command.js";
import type { HistoryView, RollbackResult } from "./responses.js";

/** `amstaff history <module>`: the revisions pushed of a module, the current one starred. */
export const history: Command = {
  help: "amstaff history <module> [--json]\n\nThe revisions pushed of a module, newest first.",
  async run({ args, flags, need, client, json, out }) {
    need(1, "a module name");
    const view = await client().request<HistoryView>(
      "GET",
      `/modules/${encodeURIComponent(args[0]!)}/history`,
    );
    if (flags.json) return json(view);
    out(
      renderTable(
        ["REV", "HASH", "PUSHED", "BY", "MONITORS"],
        view.revisions.map((r) => [
          `${r.revision === view.current ? "*" : " "}${r.revision}`,
          r.hash.slice(0, 12),
          new Date(r.at).toISOString().replace("T", " ").slice(0, 19),
          r.pushedByTeam ? `${r.pushedBy} (${r.pushedByTeam})` : r.pushedBy,
          String(r.monitors.length),
        ]),
      ),
    );
    return exit.ok;
  },
};

/** `amstaff rollback <module> [revision]`: re-applies an earlier revision (default: the one before). */
export const rollback: Command = {
  help: "amstaff rollback <module> [revision]\n\nRe-applies an earlier revision in one step (default: the one before the current).",
  async run({ args, flags, need, client, json, out }) {
    need(1, "a module name");
    const revision = args[1] === undefined ? undefined : Number(args[1]);
    if (revision !== undefined && !Number.isInteger(revision))
      throw new UsageError(`"${args[1]}" is not a revision number`);
    const result = await client().request<RollbackResult>(
      "POST",
      `/modules/${encodeURIComponent(args[0]!)}/rollback`,
      JSON.stringify(revision === undefined ? {} : { revision }),
    );
    if (flags.json) return json(result);
    out(`✔ ${result.module} re-applied revision ${result.rolledBackTo}, now revision ${result.revision}`);
    return exit.ok;
  },
};
