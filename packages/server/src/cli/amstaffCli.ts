#!/usr/bin/env node
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { PluginDescriptor } from "@amstaff/core";
import type { Compiler } from "@amstaff/dsl/compiler";
import { version } from "../version.js";
import { ApiClient, ApiError } from "./apiClient.js";
import type { CheckAnswer, CheckRequest } from "./checkDaemon.js";
import { resolveTarget } from "./cliConfig.js";
import { ago, renderTable } from "./table.js";

/** Exit codes, so CI pipelines can tell a refused module from a broken connection. */
const exit = { ok: 0, refused: 1, usage: 2, unavailable: 3 } as const;

class UsageError extends Error {}

const help: Record<string, string> = {
  "": `amstaff ${version}: monitoring modules as code

Usage: amstaff <command> [options]

Commands:
  init [name]                 scaffold a module file and a tsconfig for your editor
  check <file...>             compile module files offline, with the server's errors
  test [file...]              run alert tests offline (default: **/*.alerts.test.ts)
  push <file> [--dry-run]     show what a module file changes, and apply it
  ls                          list the server's modules and their teams
  status [module]             monitors and their status, failing first
  rm <module>                 stop and remove a module
  history <module>            the versions pushed of a module
  rollback <module> [rev]     re-apply an earlier version (default: the one before)
  ack <module> <monitor>      acknowledge a monitor's open incident
  silence <module> --for 2h   hold back a module's alerts (or some monitors', tags') for a while
  silences [--all]            the active silences (--all: ended ones too)
  unsilence <id>              end a silence now
  cluster                     the cluster's nodes, roles, health and who owns which module
  cluster add <id> <host:port>  add a node (started with --join) by its Raft address
  cluster remove <id>         remove a node; its modules move to the others
  whoami                      the token's name, team and role
  audit [--module <name>]     who changed what (admins: everything; others: their team's)
  move <module> --team <team> give a module to another team (admin)

Options:
  --server <url>    the server (env AMSTAFF_URL, config "server"; default http://127.0.0.1:7070)
  --token <token>   the API token (env AMSTAFF_TOKEN, config "token")
  --ca <file>       verify an HTTPS server against this CA certificate (PEM) instead of the system's
                    store (env AMSTAFF_CA, config "ca")
  --config <file>   a config file (default: .amstaff.json here or above, then ~/.config/amstaff/config.json)
  --json            machine-readable output
  -h, --help        help for amstaff or a command
  -v, --version     the version

Exit codes: 0 ok, 1 refused (invalid module, failed check), 2 usage error, 3 server unreachable or error.`,
  init: "amstaff init [name]\n\nWrites monitoring/<name>.ts and monitoring/tsconfig.json (never overwrites).",
  test: `amstaff test [file or glob...] [--reporter <name>] [--reporter-destination <file>]

Runs alert test files with Node's own test runner (TypeScript included, nothing else to install):
files written with node:test and @amstaff/dsl/testing's simulate(), which runs a module on a virtual
clock with the server's own policy engine. Default: every **/*.alerts.test.ts below this directory.
--reporter: spec, tap, dot, junit or lcov (e.g. --reporter junit --reporter-destination alerts.xml
for CI). Exits 1 when a test fails.`,
  check:
    "amstaff check <file...> [--no-daemon]\n\nCompiles each file as the server would: syntax, imports, types and options; exits 1 on any error.\nThe first check leaves a daemon in the background that keeps the compiler warm for the next ones (it exits\nafter 10 minutes unused; never started when CI is set, with --no-daemon or AMSTAFF_CHECK_DAEMON=0).",
  push: "amstaff push <file> [--dry-run] [--team <team>]\n\nSends the file to the server: prints the monitors added, changed and removed; --dry-run changes nothing.\nA new module becomes the team's of the token; an admin token may name another with --team.",
  ls: "amstaff ls [--json]\n\nLists modules with their team, revision, monitors and who pushed them.",
  status:
    "amstaff status [module] [--json]\n\nEvery monitor (or one module's) with its status, since when and its last result.",
  rm: "amstaff rm <module>\n\nStops and removes a module; its history is kept for rollback.",
  history: "amstaff history <module> [--json]\n\nThe revisions pushed of a module, newest first.",
  rollback:
    "amstaff rollback <module> [revision]\n\nRe-applies an earlier revision in one step (default: the one before the current).",
  ack: "amstaff ack <module> <monitor> [--by <name>]\n\nAcknowledges the monitor's open incident: stops reminders, never the resolve.",
  silence: `amstaff silence <module> --for <duration> [options]
amstaff silence --all-modules --for <duration> [options]

Holds back the alerts of a module's monitors (all of them, or those named or tagged) until the silence
ends: they are recorded, not sent, and a handler that was sent an alert before still gets its resolve.
If a monitor is still failing when the silence ends, its alert goes out then.

  --for <duration>     how long, from now: 30m, 2h, 1d (at most 30 days)
  --until <date>       or until when, ISO 8601 with a time zone: 2026-12-01T06:00:00Z
  --monitor <name>     only this monitor of the module (repeatable)
  --tag <tag>          only the module's monitors with this tag (repeatable)
  --reason <text>      why, shown with every suppressed alert
  --by <name>          who (default: the token's name)
  --all-modules        every module instead of one (with --tag: tagged monitors of every module)

Prints the silence's id (for amstaff unsilence) and when it ends.`,
  silences:
    "amstaff silences [--all] [--json]\n\nThe silences in force, newest first (--all: also scheduled and ended ones still kept).",
  unsilence: "amstaff unsilence <id>\n\nEnds a silence now. A monitor still failing then alerts at once.",
  whoami:
    "amstaff whoami [--json]\n\nThe name, team and role of the token in use (--token, AMSTAFF_TOKEN or the config file).",
  audit:
    "amstaff audit [--module <name>] [--team <team>] [--limit <n>] [--json]\n\nEvery write the cluster applied, newest first, with the token (and team) that made it.\nAn admin token sees every entry (--team: one team's); other tokens see their team's.",
  move: "amstaff move <module> --team <team>\n\nGives a module, and its history, to another team (admin tokens only).",
  cluster:
    "amstaff cluster [--json]\namstaff cluster add <id> <host:port>\namstaff cluster remove <id>\n\nShows the nodes (role, health, modules), adds a node started with --join (it catches up as a learner, then votes), or removes one.",
};

const statusIcon: Record<string, string> = {
  ok: "✔ ok",
  warning: "▲ warning",
  critical: "✖ critical",
  unknown: "? unknown",
  pending: "… pending",
};

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: "string" },
      token: { type: "string" },
      ca: { type: "string" },
      config: { type: "string" },
      json: { type: "boolean" },
      "dry-run": { type: "boolean" },
      by: { type: "string" },
      monitor: { type: "string", multiple: true },
      tag: { type: "string", multiple: true },
      for: { type: "string" },
      until: { type: "string" },
      reason: { type: "string" },
      all: { type: "boolean" },
      "all-modules": { type: "boolean" },
      team: { type: "string" },
      module: { type: "string" },
      limit: { type: "string" },
      reporter: { type: "string" },
      "reporter-destination": { type: "string" },
      "no-daemon": { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
  const [command = "", ...args] = positionals;
  const out = (text: string) => void process.stdout.write(`${text}\n`);
  /** Prints and ends the command successfully. */
  const say = (text: string): number => {
    out(text);
    return exit.ok;
  };
  const json = (value: unknown): number => say(JSON.stringify(value, null, 2));
  /** Prints a check's answer and ends with its exit code. */
  const printCheck = (answer: CheckAnswer): number => {
    if (values.json) json(answer.results);
    else for (const line of answer.lines) out(line);
    return answer.failed ? exit.refused : exit.ok;
  };

  if (values.version) return say(version);
  if (values.help || command === "" || command === "help") {
    const topic = command === "help" ? (args[0] ?? "") : command;
    out(help[topic] ?? help[""]!);
    return exit.ok;
  }
  if (!(command in help) && command !== "__check-daemon")
    throw new UsageError(`unknown command "${command}"; run amstaff --help`);

  const need = (count: number, what: string) => {
    if (args.length < count) throw new UsageError(`missing ${what}\n\n${help[command]}`);
  };
  const client = () => new ApiClient(resolveTarget(values, process.env, process.cwd()));

  switch (command) {
    case "init": {
      const name = args[0] ?? basename(process.cwd());
      const slug =
        name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-")
          .replace(/^-|-$/g, "") || "service";
      const dir = resolve("monitoring");
      const file = join(dir, `${slug}.ts`);
      const tsconfig = join(dir, "tsconfig.json");
      const alerts = join(dir, `${slug}.alerts.test.ts`);
      mkdirSync(dir, { recursive: true });
      for (const [path, content] of [
        [file, moduleTemplate(name, slug)],
        [alerts, alertsTestTemplate(slug)],
        [tsconfig, `${JSON.stringify(tsconfigTemplate, null, 2)}\n`],
      ] as const) {
        if (existsSync(path)) {
          out(`  exists   ${relative(process.cwd(), path)} (left as it is)`);
        } else {
          writeFileSync(path, content, { flag: "wx" });
          out(`  created  ${relative(process.cwd(), path)}`);
        }
      }
      out("\nFor autocompletion and type checks in your editor:");
      out("  npm i -D @amstaff/dsl @amstaff/sampler-http @amstaff/handler-webhook");
      out(
        `Then: amstaff check ${relative(process.cwd(), file)} && amstaff test && amstaff push ${relative(process.cwd(), file)}`,
      );
      return exit.ok;
    }
    case "test": {
      const { runAlertTests } = await import("./alertTests.js");
      const code = await runAlertTests(args, {
        reporter: values.reporter,
        destination: values["reporter-destination"],
      });
      return code === 0 ? exit.ok : exit.refused;
    }
    case "check": {
      need(1, "a file to check");
      const files = args.map((path) => ({ path, source: readSource(path) }));
      const { serverPackageDir, pluginFingerprint } = await import("../plugins/discovery.js");
      const resolveFrom = checkRoot(serverPackageDir);
      // A warm daemon answers in a fraction of the cold compile (TypeScript parsing the DSL's and the
      // plugins' declarations); CI runs check once, so it never starts one there.
      const daemon =
        values["no-daemon"] !== true && process.env.AMSTAFF_CHECK_DAEMON !== "0" && !process.env.CI;
      let socket: string | undefined;
      if (daemon) {
        const { askCheckDaemon, checkDaemonSocket } = await import("./checkDaemon.js");
        socket = checkDaemonSocket([
          version,
          process.execPath,
          resolveFrom,
          ...pluginFingerprint([process.cwd(), serverPackageDir]),
          dslFingerprint(resolveFrom),
        ]);
        const answer = await askCheckDaemon(socket, { files });
        if (answer !== undefined) return printCheck(answer);
      }
      const answer = await checkFiles(files, resolveFrom);
      const { closeSandboxes } = await import("@amstaff/dsl/compiler");
      await closeSandboxes();
      if (socket !== undefined) {
        const { spawnCheckDaemon } = await import("./checkDaemon.js");
        spawnCheckDaemon(process.argv[1]!, socket);
      }
      return printCheck(answer);
    }
    case "__check-daemon": {
      // Started by `check` in the background (checkDaemon.ts); not a command for people.
      need(1, "a socket");
      const { serveChecks } = await import("./checkDaemon.js");
      const { serverPackageDir } = await import("../plugins/discovery.js");
      const resolveFrom = checkRoot(serverPackageDir);
      // Warm at once (declarations parsed, sandbox started), so even the next check is fast.
      const warmed = checkFiles([], resolveFrom)
        .then(() => checkCompiler?.warm())
        .catch(() => undefined);
      await serveChecks(args[0]!, (request) => warmed.then(() => checkFiles(request.files, resolveFrom)));
      const { closeSandboxes } = await import("@amstaff/dsl/compiler");
      await closeSandboxes();
      return exit.ok;
    }
    case "push": {
      need(1, "a module file");
      const source = readSource(args[0]!);
      const dryRun = values["dry-run"] === true;
      const query = new URLSearchParams({
        ...(dryRun && { dryRun: "true" }),
        ...(values.team !== undefined && { team: values.team }),
      }).toString();
      const result = await client().request<PushResult>(
        "POST",
        `/monitor${query ? `?${query}` : ""}`,
        source,
      );
      if (values.json) return json(result);
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
    }
    case "ls": {
      const modules = await client().request<ModuleSummary[]>("GET", "/modules");
      if (values.json) return json(modules);
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
    }
    case "status": {
      const query = args[0] ? `?module=${encodeURIComponent(args[0])}` : "";
      const monitors = await client().request<MonitorStatusView[]>("GET", `/monitors${query}`);
      if (values.json) return json(monitors);
      if (monitors.length === 0)
        return say(args[0] ? `no monitors in module "${args[0]}"` : "no monitors yet");
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
    }
    case "rm": {
      need(1, "a module name");
      await client().request("DELETE", `/modules/${encodeURIComponent(args[0]!)}`);
      out(`✔ removed ${args[0]} (amstaff rollback "${args[0]}" brings it back)`);
      return exit.ok;
    }
    case "history": {
      need(1, "a module name");
      const history = await client().request<HistoryView>(
        "GET",
        `/modules/${encodeURIComponent(args[0]!)}/history`,
      );
      if (values.json) return json(history);
      out(
        renderTable(
          ["REV", "HASH", "PUSHED", "BY", "MONITORS"],
          history.revisions.map((r) => [
            `${r.revision === history.current ? "*" : " "}${r.revision}`,
            r.hash.slice(0, 12),
            new Date(r.at).toISOString().replace("T", " ").slice(0, 19),
            r.pushedByTeam ? `${r.pushedBy} (${r.pushedByTeam})` : r.pushedBy,
            String(r.monitors.length),
          ]),
        ),
      );
      return exit.ok;
    }
    case "rollback": {
      need(1, "a module name");
      const revision = args[1] === undefined ? undefined : Number(args[1]);
      if (revision !== undefined && !Number.isInteger(revision))
        throw new UsageError(`"${args[1]}" is not a revision number`);
      const result = await client().request<PushResult & { rolledBackTo: number }>(
        "POST",
        `/modules/${encodeURIComponent(args[0]!)}/rollback`,
        JSON.stringify(revision === undefined ? {} : { revision }),
      );
      if (values.json) return json(result);
      out(`✔ ${result.module} re-applied revision ${result.rolledBackTo}, now revision ${result.revision}`);
      return exit.ok;
    }
    case "ack": {
      need(2, "a module and a monitor");
      const path = `/monitors/${encodeURIComponent(args[0]!)}/${encodeURIComponent(args[1]!)}/ack`;
      await client().request("POST", path, JSON.stringify(values.by ? { by: values.by } : {}));
      out(`✔ acknowledged ${args[0]} / ${args[1]}`);
      return exit.ok;
    }
    case "silence": {
      const allModules = values["all-modules"] === true;
      if (allModules === (args[0] !== undefined))
        throw new UsageError(`give a module, or --all-modules for every module\n\n${help.silence}`);
      if ((values.for === undefined) === (values.until === undefined))
        throw new UsageError(`give --for <duration> or --until <date>\n\n${help.silence}`);
      const silence = await client().request<SilenceView>(
        "POST",
        "/silences",
        JSON.stringify({
          ...(!allModules && { module: args[0] }),
          ...(values.monitor && { monitors: values.monitor }),
          ...(values.tag && { tags: values.tag }),
          ...(values.for !== undefined && { for: values.for }),
          ...(values.until !== undefined && { until: values.until }),
          ...(values.reason !== undefined && { reason: values.reason }),
          ...(values.by !== undefined && { by: values.by }),
        }),
      );
      if (values.json) return json(silence);
      out(`✔ silenced ${scopeOf(silence)} until ${isoTime(silence.until)} (${until(silence.until)})`);
      out(`  id ${silence.id}: amstaff unsilence ${silence.id} ends it`);
      return exit.ok;
    }
    case "silences": {
      const silences = await client().request<SilenceView[]>(
        "GET",
        `/silences${values.all ? "?all=true" : ""}`,
      );
      if (values.json) return json(silences);
      if (silences.length === 0) return say(values.all ? "no silences" : "no active silences");
      out(
        renderTable(
          ["ID", "SCOPE", "UNTIL", "BY", "REASON"],
          silences.map((s) => [
            s.id,
            scopeOf(s),
            `${isoTime(s.until)} (${until(s.until)})`,
            s.by,
            truncate(s.reason, 60) || "-",
          ]),
        ),
      );
      return exit.ok;
    }
    case "unsilence": {
      need(1, "a silence id (amstaff silences lists them)");
      const ended = await client().request<SilenceView>(
        "DELETE",
        `/silences/${encodeURIComponent(args[0]!)}`,
      );
      out(`✔ ended silence ${ended.id} (${scopeOf(ended)})`);
      return exit.ok;
    }
    case "whoami": {
      const me = await client().request<{ name: string; team: string; role: string }>("GET", "/whoami");
      if (values.json) return json(me);
      return say(`${me.name} (team ${me.team}, role ${me.role})`);
    }
    case "audit": {
      const query = new URLSearchParams({
        ...(values.module !== undefined && { module: values.module }),
        ...(values.team !== undefined && { team: values.team }),
        ...(values.limit !== undefined && { limit: values.limit }),
      }).toString();
      const entries = await client().request<AuditView[]>("GET", `/audit${query ? `?${query}` : ""}`);
      if (values.json) return json(entries);
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
    }
    case "move": {
      need(1, "a module name");
      if (values.team === undefined) throw new UsageError(`give the new team with --team\n\n${help.move}`);
      const moved = await client().request<{ module: string; team: string; from?: string; changed: boolean }>(
        "PUT",
        `/modules/${encodeURIComponent(args[0]!)}/team`,
        JSON.stringify({ team: values.team }),
      );
      if (values.json) return json(moved);
      return say(
        moved.changed
          ? `✔ ${moved.module} moved from team ${moved.from} to team ${moved.team}`
          : `= ${moved.module} is team ${moved.team}'s already`,
      );
    }
    case "cluster": {
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
      if (values.json) return json(view);
      out(
        renderTable(
          ["NODE", "ROLE", "HEALTH", "API", "MODULES"],
          view.members.map((m) => [m.id, m.role, m.health, m.apiUrl ?? "-", m.modules.join(", ") || "-"]),
        ),
      );
      out(`leader ${view.leader ?? "none"}, term ${view.term}`);
      return exit.ok;
    }
  }
  return exit.usage;
}

interface ClusterView {
  leader: string | null;
  term: number;
  members: { id: string; role: string; health: string; apiUrl: string | null; modules: string[] }[];
}

interface AuditView {
  at: number;
  action: string;
  target?: string;
  detail?: string;
  actor: { name: string; team?: string };
}

interface PushResult {
  module: string;
  team?: string;
  revision: number | null;
  changed: boolean;
  diff: { added: string[]; changed: string[]; removed: string[] };
}
interface ModuleSummary {
  name: string;
  team: string;
  revision: number;
  monitors: string[];
  updatedAt: number;
  pushedBy: string;
}
interface MonitorStatusView {
  module: string;
  team: string;
  monitor: string;
  status: string;
  since: number | null;
  lastResult: { message: string } | null;
  incident: { acknowledged: unknown } | null;
  flapping?: boolean;
  suppressed?: string | null;
}
interface SilenceView {
  id: string;
  module?: string;
  scope: { monitors?: string[]; tags?: string[] };
  from: number;
  until: number;
  by: string;
  reason: string;
}

/** "Payments", "Payments / API, Database", "every module #db": what a silence covers. */
function scopeOf(silence: SilenceView): string {
  const parts = [silence.module ?? "every module"];
  if (silence.scope.monitors) parts.push(`/ ${silence.scope.monitors.join(", ")}`);
  if (silence.scope.tags) parts.push(silence.scope.tags.map((t) => `#${t}`).join(" "));
  return parts.join(" ");
}

const isoTime = (at: number) => `${new Date(at).toISOString().slice(0, 19).replace("T", " ")}Z`;

/** "in 2h", "in 5m", "ended": how far ahead a time is. */
function until(at: number, now = Date.now()): string {
  const seconds = Math.round((at - now) / 1000);
  if (seconds <= 0) return "ended";
  if (seconds < 60) return `in ${seconds}s`;
  if (seconds < 3600) return `in ${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) {
    const minutes = Math.floor((seconds % 3600) / 60);
    return `in ${Math.floor(seconds / 3600)}h${minutes > 0 ? `${minutes}m` : ""}`;
  }
  return `in ${Math.floor(seconds / 86_400)}d`;
}
interface HistoryView {
  current: number | null;
  revisions: {
    revision: number;
    hash: string;
    at: number;
    pushedBy: string;
    pushedByTeam?: string;
    monitors: string[];
  }[];
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function readSource(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

let checkCompiler: Compiler | undefined;

/** Compiles each file as the server would, with a compiler kept for the process (warm in a daemon). */
async function checkFiles(files: CheckRequest["files"], resolveFrom: string): Promise<CheckAnswer> {
  const { createCompiler, formatCompileErrors } = await import("@amstaff/dsl/compiler");
  if (checkCompiler === undefined) {
    const plugins = await localPlugins();
    if (plugins.length === 0) {
      process.stderr.write(
        "amstaff: no sampler or handler package found here or beside the CLI: install the ones your modules import, e.g. npm i -D @amstaff/dsl @amstaff/sampler-http @amstaff/handler-webhook\n",
      );
    }
    checkCompiler = createCompiler({ plugins, resolveFrom });
  }
  const answer: CheckAnswer = { results: [], lines: [], failed: false };
  for (const { path, source } of files) {
    const result = await checkCompiler.compile(source, { filename: path });
    answer.results.push({ file: path, ...result });
    if (result.ok) {
      answer.lines.push(
        `✔ ${path}: module "${result.definition.name}", ${result.definition.monitors.length} monitor(s)`,
      );
    } else {
      answer.failed = true;
      answer.lines.push(`✖ ${formatCompileErrors(result.errors)}`);
    }
  }
  return answer;
}

/** Which `@amstaff/dsl` a check in `resolveFrom` uses, and when it was installed: a new one needs a new daemon. */
function dslFingerprint(resolveFrom: string): string {
  try {
    const manifest = createRequire(join(resolveFrom, "noop.js")).resolve("@amstaff/dsl/package.json");
    return `${manifest}@${statSync(manifest).mtimeMs}`;
  } catch {
    return "@amstaff/dsl beside the CLI";
  }
}

/**
 * Where a check resolves a module file's imports: the project in the working directory when it has
 * `@amstaff/dsl` installed (the versions its editor sees; `npx amstaff` runs from a cache elsewhere),
 * else beside the CLI.
 */
function checkRoot(cliPackageDir: string): string {
  try {
    createRequire(join(process.cwd(), "noop.js")).resolve("@amstaff/dsl/package.json");
    return process.cwd();
  } catch {
    return cliPackageDir;
  }
}

/**
 * The plugins a local check knows: the packages installed here (the project's own) or beside the CLI
 * (the server's, when the CLI comes with it). Amstaff's own samplers and handlers are found the same
 * way, never imported: the published `amstaff` package must not need every handler's SDK to check a file.
 */
async function localPlugins(): Promise<PluginDescriptor[]> {
  const { discoverPlugins, serverPackageDir } = await import("../plugins/discovery.js");
  const { plugins } = await discoverPlugins([process.cwd(), serverPackageDir]);
  const byId = new Map<string, PluginDescriptor>();
  for (const { descriptor } of plugins) if (!byId.has(descriptor.id)) byId.set(descriptor.id, descriptor);
  return [...byId.values()];
}

const tsconfigTemplate = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noEmit: true,
    // Alert tests import the module file with its extension: `import mod from "./service.ts"`.
    allowImportingTsExtensions: true,
    skipLibCheck: true,
  },
  include: ["*.ts"],
};

function alertsTestTemplate(slug: string): string {
  return `// Offline tests of ${slug}.ts's alerting, on a virtual clock: run them with \`amstaff test\`.
import assert from "node:assert/strict";
import { it } from "node:test";
import { simulate } from "@amstaff/dsl/testing";
import service from "./${slug}.ts";

it("notifies once when the health check fails, and once when it recovers", () => {
  const sim = simulate(service);
  sim.set("Health check", "critical").advance("5m");
  sim.set("Health check", "ok").advance("5m");
  assert.deepEqual(
    sim.notifications.map((n) => \`\${n.elapsed} \${n.from} → \${n.to}\`),
    ["+0s pending → critical", "+5m critical → ok"],
  );
});
`;
}

function moduleTemplate(name: string, slug: string): string {
  return `import { amstaff, every } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff(${JSON.stringify(name)}, (m) => {
  m.monitor("Health check", {
    sampler: httpGet({ url: "https://example.com/health" }),
    timing: every("1m"),
    handlers: [webhook({ url: "https://hooks.example.com/amstaff" })],
    tags: [${JSON.stringify(slug)}],
  });
});
`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`amstaff: ${(error as Error).message}\n`);
    const code =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
        ? exit.usage
        : exit.unavailable;
    // A 4xx the server answered (an invalid module, an unknown module) is the caller's to fix.
    process.exit(
      error instanceof ApiError && error.status !== undefined && error.status < 500 && error.status !== 401
        ? exit.refused
        : code,
    );
  },
);
