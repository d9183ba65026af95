import { renderTable } from "../format.js";
import { type Command, exit, UsageError } from "./command.js";
import type { ClusterView } from "./responses.js";

/** `amstaff cluster [add|remove]`: the cluster's nodes, roles, health and modules; adds or removes a node. */
export const cluster: Command = {
  help: "amstaff cluster [--json]\namstaff cluster add <id> <host:port>\namstaff cluster remove <id>\n\nShows the nodes (role, health, modules), adds a node started with --join (it catches up as a learner, then votes), or removes one.",
  async run({ args, flags, client, json, out }) {
    const sub = args[0] ?? "status";
    if (sub === "add") {
      if (args.length < 3)
        throw new UsageError("cluster add needs a node id and its Raft address (host:port)");
      await client().request(
        "POST",
        "/cluster/members",
        JSON.stringify({ id: args[1], raftAddress: args[2] }),
      );
      out(`✔ added ${args[1]}: it caught up with the log and votes now`);
      return exit.ok;
    }
    if (sub === "remove") {
      if (args.length < 2) throw new UsageError("cluster remove needs a node id");
      await client().request("DELETE", `/cluster/members/${encodeURIComponent(args[1]!)}`);
      out(`✔ removed ${args[1]}; its modules move to the other nodes`);
      return exit.ok;
    }
    if (sub !== "status") throw new UsageError(`unknown cluster command "${sub}"`);
    const view = await client().request<ClusterView>("GET", "/cluster");
    if (flags.json) return json(view);
    out(
      renderTable(
        ["NODE", "ROLE", "HEALTH", "API", "MODULES"],
        view.members.map((m) => [m.id, m.role, m.health, m.apiUrl ?? "-", m.modules.join(", ") || "-"]),
      ),
    );
    out(`leader ${view.leader ?? "none"}, term ${view.term}`);
    return exit.ok;
  },
};
