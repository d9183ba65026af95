import type { Command } from "./command.js";
import type { WhoamiView } from "./responses.js";

/** `amstaff whoami`: the token's name, team and role. */
export const whoami: Command = {
  help: "amstaff whoami [--json]\n\nThe name, team and role of the token in use (--token, AMSTAFF_TOKEN or the config file).",
  async run({ flags, client, json, say }) {
    const me = await client().request<WhoamiView>("GET", "/whoami");
    if (flags.json) return json(me);
    return say(`${me.name} (team ${me.team}, role ${me.role})`);
  },
};
