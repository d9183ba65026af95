import { isoTime, renderTable, truncate } from "../format.js";
import { type Command, exit } from "./command.js";
import type { AuditView } from "./responses.js";

/** `amstaff audit`: who changed what (admins: everything; others: their team's). */
export const audit: Command = {
  help: "amstaff audit [--module <name>] [--team <team>] [--limit <n>] [--json]\n\nEvery write the cluster applied, newest first, with the token (and team) that made it.\nAn admin token sees every entry (--team: one team's); other tokens see their team's.",
  async run({ flags, client, json, say, out }) {
    const query = new URLSearchParams({
      ...(flags.module !== undefined && { module: flags.module }),
      ...(flags.team !== undefined && { team: flags.team }),
      ...(flags.limit !== undefined && { limit: flags.limit }),
    }).toString();
    const entries = await client().request<AuditView[]>("GET", `/audit${query ? `?${query}` : ""}`);
    if (flags.json) return json(entries);
    if (entries.length === 0) return say("no audit entries");
    out(
      renderTable(
        ["WHEN", "WHO", "ACTION", "TARGET", "DETAIL"],
        entries.map((e) => [
          isoTime(e.at),
          e.actor.team ? `${e.actor.name} (${e.actor.team})` : e.actor.name,
          e.action,
          e.target ?? "-",
          truncate(e.detail ?? "", 80) || "-",
        ]),
      ),
    );
    return exit.ok;
  },
};
