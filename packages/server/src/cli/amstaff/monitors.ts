import { ago, renderTable, truncate } from "../format.js";
import { type Command, exit } from "./command.js";
import type { MonitorStatusView } from "./responses.js";

const statusIcon: Record<string, string> = {
  ok: "✔ ok",
  warning: "▲ warning",
  critical: "✖ critical",
  unknown: "? unknown",
  pending: "… pending",
};

/** `amstaff status [module]`: every monitor (or one module's) with its status, failing first. */
export const status: Command = {
  help: "amstaff status [module] [--json]\n\nEvery monitor (or one module's) with its status, since when and its last result.",
  async run({ args, flags, client, json, say, out }) {
    const query = args[0] ? `?module=${encodeURIComponent(args[0])}` : "";
    const monitors = await client().request<MonitorStatusView[]>("GET", `/monitors${query}`);
    if (flags.json) return json(monitors);
    if (monitors.length === 0) return say(args[0] ? `no monitors in module "${args[0]}"` : "no monitors yet");
    // The NOTE column appears only when some monitor's alerts are held back, to keep the table narrow.
    const noted = monitors.some((m) => m.suppressed);
    out(
      renderTable(
        ["STATUS", "MODULE", "TEAM", "MONITOR", "SINCE", "LAST RESULT", ...(noted ? ["NOTE"] : [])],
        monitors.map((m) => [
          `${m.flapping ? `↯ FLAPPING (${m.status})` : (statusIcon[m.status] ?? m.status)}${m.incident?.acknowledged ? " (acked)" : ""}`,
          m.module,
          m.team,
          m.monitor,
          ago(m.since),
          m.lastResult ? truncate(m.lastResult.message, 80) : "-",
          ...(noted ? [m.suppressed ? `suppressed: ${m.suppressed}` : ""] : []),
        ]),
      ),
    );
    return exit.ok;
  },
};

/** `amstaff ack <module> <monitor>`: acknowledges a monitor's open incident. */
export const ack: Command = {
  help: "amstaff ack <module> <monitor> [--by <name>]\n\nAcknowledges the monitor's open incident: stops reminders, never the resolve.",
  async run({ args, flags, need, client, out }) {
    need(2, "a module and a monitor");
    const path = `/monitors/${encodeURIComponent(args[0]!)}/${encodeURIComponent(args[1]!)}/ack`;
    await client().request("POST", path, JSON.stringify(flags.by ? { by: flags.by } : {}));
    out(`✔ acknowledged ${args[0]} / ${args[1]}`);
    return exit.ok;
  },
};
