#!/usr/bin/env node
// The `amstaff` command: flags and dispatch. Each command lives in its own file, with its help text,
// and is listed in `commands` below; the API answers they read are declared in responses.ts.
import { version } from "../../version.js";
import { ApiClient, ApiError } from "../apiClient.js";
import { resolveTarget } from "../cliConfig.js";
import { printFailure, printLine } from "../terminal.js";
import { test } from "./alertTests.js";
import { audit } from "./audit.js";
import { check, checkDaemon } from "./check.js";
import { cluster } from "./cluster.js";
import { type Command, type CommandContext, exit, UsageError } from "./command.js";
import { exportState, importState } from "./export.js";
import { parseFlags } from "./flags.js";
import { history, rollback } from "./history.js";
import { init } from "./init.js";
import { ls, move, rm } from "./modules.js";
import { ack, status } from "./monitors.js";
import { pingUrl } from "./pingUrl.js";
import { push } from "./push.js";
import { silence, silences, unsilence } from "./silences.js";
import { statusPage } from "./statusPages.js";
import { whoami } from "./whoami.js";

/** `amstaff --help`: every command, in the order people meet them. */
const overview = `amstaff ${version}: monitoring modules as code

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
  ping-url <module> <monitor> the URL a heartbeat monitor's job pings
  silence <module> --for 2h   hold back a module's alerts (or some monitors', tags') for a while
  silences [--all]            the active silences (--all: ended ones too)
  unsilence <id>              end a silence now
  status-page list|set|delete public status pages from a JSON file; post and update their incidents
  cluster                     the cluster's nodes, roles, health and who owns which module
  cluster add <id> <host:port>  add a node (started with --join) by its Raft address
  cluster remove <id>         remove a node; its modules move to the others
  whoami                      the token's name, team and role
  audit [--module <name>]     who changed what (admins: everything; others: their team's)
  move <module> --team <team> give a module to another team (admin)
  export [--out <file>]       the cluster's whole state, as a file (admin)
  import <file> [--replace]   move an exported state into this cluster (admin)

Options:
  --server <url>    the server (env AMSTAFF_URL, config "server"; default http://127.0.0.1:7070)
  --token <token>   the API token (env AMSTAFF_TOKEN, config "token")
  --ca <file>       verify an HTTPS server against this CA certificate (PEM) instead of the system's
                    store (env AMSTAFF_CA, config "ca")
  --config <file>   a config file (default: .amstaff.json here or above, then ~/.config/amstaff/config.json)
  --json            machine-readable output
  -h, --help        help for amstaff or a command
  -v, --version     the version

Exit codes: 0 ok, 1 refused (invalid module, failed check), 2 usage error, 3 server unreachable or error.`;

/** The commands `amstaff --help` lists, by name. */
const commands = new Map<string, Command>(
  Object.entries({
    init,
    check,
    test,
    push,
    ls,
    status,
    rm,
    history,
    rollback,
    ack,
    "ping-url": pingUrl,
    silence,
    silences,
    unsilence,
    "status-page": statusPage,
    cluster,
    whoami,
    audit,
    move,
    export: exportState,
    import: importState,
  }),
);

/** Commands the CLI runs for itself, never listed. */
const internal = new Map<string, Command>([["__check-daemon", checkDaemon]]);

async function main(argv: string[]): Promise<number> {
  const { values: flags, positionals } = parseFlags(argv);
  const [name = "", ...args] = positionals;
  const say = (text: string): number => {
    printLine(text);
    return exit.ok;
  };

  if (flags.version) return say(version);
  if (flags.help || name === "" || name === "help") {
    const topic = name === "help" ? (args[0] ?? "") : name;
    return say(commands.get(topic)?.help ?? overview);
  }
  const command = commands.get(name) ?? internal.get(name);
  if (command === undefined) throw new UsageError(`unknown command "${name}"; run amstaff --help`);

  const context: CommandContext = {
    flags,
    args,
    out: printLine,
    say,
    json: (value) => say(JSON.stringify(value, null, 2)),
    need(count, what) {
      if (args.length < count) throw new UsageError(`missing ${what}\n\n${command.help}`);
    },
    client: () => new ApiClient(resolveTarget(flags, process.env, process.cwd())),
  };
  return command.run(context);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    printFailure("amstaff", (error as Error).message);
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
