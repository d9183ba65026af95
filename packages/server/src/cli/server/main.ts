#!/usr/bin/env node
// The `amstaff-server` command: `certs` and `token` subcommands, else start a node (options.ts
// reads its flags and variables, start.ts runs it).
import { describeError } from "@amstaff/core";
import { certsCommand } from "../../cluster/certs.js";
import { version } from "../../version.js";
import { printFailure, printLine } from "../terminal.js";
import { parseServerFlags, serverUsage } from "./options.js";
import { serve } from "./start.js";
import { runTokenCommand } from "./token.js";

async function main(): Promise<void> {
  // `pnpm start -- --port 8080` hands us a leading "--"; it ends nothing here.
  const argv = process.argv.slice(2);
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  if (args[0] === "certs") return certsCommand(args.slice(1), printLine);
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
}

main().catch((error: unknown) => {
  printFailure("amstaff-server", describeError(error));
  process.exit(1);
});
