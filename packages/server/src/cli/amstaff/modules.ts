import { ago, renderTable } from "../format.js";
import { type Command, exit, UsageError } from "./command.js";
import type { ModuleSummary, MoveResult } from "./responses.js";

/** `amstaff ls`: the server's modules and their teams. */
export const ls: Command = {
  help: "amstaff ls [--json]\n\nLists modules with their team, revision, monitors and who pushed them.",
  async run({ flags, client, json, say, out }) {
    const modules = await client().request<ModuleSummary[]>("GET", "/modules");
    if (flags.json) return json(modules);
    if (modules.length === 0) return say("no modules yet: amstaff push <file>");
    out(
      renderTable(
        ["MODULE", "TEAM", "REV", "MONITORS", "UPDATED", "BY"],
        modules.map((m) => [
          m.name,
          m.team,
          String(m.revision),
          String(m.monitors.length),
          ago(m.updatedAt),
          m.pushedBy,
        ]),
      ),
    );
    return exit.ok;
  },
};

/** `amstaff rm <module>`: stops and removes a module, keeping its history. */
export const rm: Command = {
  help: "amstaff rm <module>\n\nStops and removes a module; its history is kept for rollback.",
  async run({ args, need, client, out }) {
    need(1, "a module name");
    await client().request("DELETE", `/modules/${encodeURIComponent(args[0]!)}`);
    out(`✔ removed ${args[0]} (amstaff rollback "${args[0]}" brings it back)`);
    return exit.ok;
  },
};

/** `amstaff move <module> --team <team>`: gives a module to another team (admin). */
export const move: Command = {
  help: "amstaff move <module> --team <team>\n\nGives a module, and its history, to another team (admin tokens only).",
  async run({ args, flags, need, client, json, say }) {
    need(1, "a module name");
    if (flags.team === undefined) throw new UsageError(`give the new team with --team\n\n${move.help}`);
    const moved = await client().request<MoveResult>(
      "PUT",
      `/modules/${encodeURIComponent(args[0]!)}/team`,
      JSON.stringify({ team: flags.team }),
    );
    if (flags.json) return json(moved);
    return say(
      moved.changed
        ? `✔ ${moved.module} moved from team ${moved.from} to team ${moved.team}`
        : `= ${moved.module} is team ${moved.team}'s already`,
    );
  },
};
