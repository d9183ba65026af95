import { isoTime, renderTable, truncate, until } from "../format.js";
import { type Command, exit, UsageError } from "./command.js";
import type { SilenceView } from "./responses.js";

/** `amstaff silence <module> --for 2h`: holds back a module's alerts (or some monitors', tags') for a while. */
export const silence: Command = {
  help: `amstaff silence <module> --for <duration> [options]
amstaff silence --all-modules --for <duration> [options]

Holds back the alerts of a module's monitors (all of them, or those named or tagged) until the silence
ends: they are recorded, not sent, and a handler that was sent an alert before still gets its resolve.
If a monitor is still failing when the silence ends, its alert goes out then.

  --for <duration>     how long, from now: 30m, 2h, 1d (at most 30 days)
  --until <date>       or until when, ISO 8601 with a time zone: 2026-12-01T06:00:00Z
  --from <date>        when it starts, ISO 8601 (a scheduled maintenance; --for counts from it)
  --monitor <name>     only this monitor of the module (repeatable)
  --tag <tag>          only the module's monitors with this tag (repeatable)
  --reason <text>      why, shown with every suppressed alert
  --by <name>          who (default: the token's name)
  --all-modules        every module instead of one (with --tag: tagged monitors of every module)

Prints the silence's id (for amstaff unsilence) and when it ends.`,
  async run({ args, flags, client, json, out }) {
    const allModules = flags["all-modules"] === true;
    if (allModules === (args[0] !== undefined))
      throw new UsageError(`give a module, or --all-modules for every module\n\n${silence.help}`);
    if ((flags.for === undefined) === (flags.until === undefined))
      throw new UsageError(`give --for <duration> or --until <date>\n\n${silence.help}`);
    const created = await client().request<SilenceView>(
      "POST",
      "/silences",
      JSON.stringify({
        ...(!allModules && { module: args[0] }),
        ...(flags.monitor && { monitors: flags.monitor }),
        ...(flags.tag && { tags: flags.tag }),
        ...(flags.for !== undefined && { for: flags.for }),
        ...(flags.until !== undefined && { until: flags.until }),
        ...(flags.from !== undefined && { from: flags.from }),
        ...(flags.reason !== undefined && { reason: flags.reason }),
        ...(flags.by !== undefined && { by: flags.by }),
      }),
    );
    if (flags.json) return json(created);
    const starts = created.from > Date.now() ? ` from ${isoTime(created.from)} (${until(created.from)})` : "";
    out(
      `✔ ${starts ? "scheduled a silence of" : "silenced"} ${scopeOf(created)}${starts} until ${isoTime(created.until)} (${until(created.until)})`,
    );
    out(`  id ${created.id}: amstaff unsilence ${created.id} ends it`);
    return exit.ok;
  },
};

/** `amstaff silences [--all]`: the active silences (`--all`: ended ones too). */
export const silences: Command = {
  help: "amstaff silences [--all] [--json]\n\nThe silences in force, newest first (--all: also scheduled and ended ones still kept).",
  async run({ flags, client, json, say, out }) {
    const listed = await client().request<SilenceView[]>("GET", `/silences${flags.all ? "?all=true" : ""}`);
    if (flags.json) return json(listed);
    if (listed.length === 0) return say(flags.all ? "no silences" : "no active silences");
    out(
      renderTable(
        ["ID", "SCOPE", "UNTIL", "BY", "REASON"],
        listed.map((s) => [
          s.id,
          scopeOf(s),
          `${isoTime(s.until)} (${until(s.until)})`,
          s.by,
          truncate(s.reason, 60) || "-",
        ]),
      ),
    );
    return exit.ok;
  },
};

/** `amstaff unsilence <id>`: ends a silence now. */
export const unsilence: Command = {
  help: "amstaff unsilence <id>\n\nEnds a silence now. A monitor still failing then alerts at once.",
  async run({ args, need, client, out }) {
    need(1, "a silence id (amstaff silences lists them)");
    const ended = await client().request<SilenceView>("DELETE", `/silences/${encodeURIComponent(args[0]!)}`);
    out(`✔ ended silence ${ended.id} (${scopeOf(ended)})`);
    return exit.ok;
  },
};

/** "Payments", "Payments / API, Database", "every module #db": what a silence covers. */
function scopeOf(view: SilenceView): string {
  const parts = [view.module ?? "every module"];
  if (view.scope.monitors) parts.push(`/ ${view.scope.monitors.join(", ")}`);
  if (view.scope.tags) parts.push(view.scope.tags.map((t) => `#${t}`).join(" "));
  return parts.join(" ");
}
