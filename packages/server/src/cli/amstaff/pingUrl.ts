import type { Command } from "./command.js";

interface PingUrlView {
  module: string;
  monitor: string;
  id: string;
  path: string;
}

/** `amstaff ping-url <module> <monitor>`: the URL a heartbeat monitor's job pings. */
export const pingUrl: Command = {
  help: `amstaff ping-url <module> <monitor> [--json]

Prints the URL the job of a heartbeat monitor pings: the same on every node of the cluster, kept across
pushes. Append /start when the job begins, /fail (or /<exit-code>) when it fails; POST a body to keep it
as the message. Needs a write or admin token of the module's team.

  curl -fsS -m 10 --retry 5 "$(amstaff ping-url batch "Nightly backup")"`,
  async run({ args, flags, need, client, json, say }) {
    need(2, "a module and a monitor");
    const api = client();
    const path = `/monitors/${encodeURIComponent(args[0] ?? "")}/${encodeURIComponent(args[1] ?? "")}/ping-url`;
    const view = await api.request<PingUrlView>("GET", path);
    // Relative to the server's URL, so a server behind a path prefix keeps it.
    const url = new URL(view.path.slice(1), api.server.endsWith("/") ? api.server : `${api.server}/`).href;
    if (flags.json) return json({ ...view, url });
    return say(url);
  },
};
