// What `amstaff-server` runs once main.ts has settled the process: the `certs` and `token` subcommands,
// else a node (options.ts reads its flags and variables, start.ts runs it).
import { describeError } from "@amstaff/core";
import { certsCommand } from "../../cluster/certs.js";
import { version } from "../../version.js";
import { printFailure, printLine } from "../terminal.js";
import { parseServerFlags, serverUsage } from "./options.js";
import { serve } from "./start.js";
import { runTokenCommand } from "./token.js";

/** Runs `amstaff-server` with its arguments (a leading "--" already dropped); a failure exits 1. */
export async function runServerCommand(args: string[]): Promise<void> {
  try {
    if (args[0] === "certs") return await certsCommand(args.slice(1), printLine);
    if (args[0] === "token") {
      process.exitCode = runTokenCommand(
        args.slice(1),
        process.env,
        (text) => process.stdout.write(text),
        (text) => process.stderr.write(text),
      );
      return;
    }
    const flags = parseServerFlags(args);
    if (flags.help) return void process.stdout.write(serverUsage);
    if (flags.version) return void process.stdout.write(`${version}\n`);
    await serve(flags, process.env);
  } catch (error) {
    printFailure("amstaff-server", describeError(error));
    process.exit(1);
  }
}
