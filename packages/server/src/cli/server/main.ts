#!/usr/bin/env node
// The `amstaff-server` command. A node first starts its process again with the defaults it lacks
// (nodeDefaults.ts), before the server's modules are loaded: loading them twice would cost half a second
// of CPU; then it sets the V8 settings it lacks. The subcommands run as they are.
import { applyV8Defaults, restartWithNodeDefaults } from "./nodeDefaults.js";

// `pnpm start -- --port 8080` hands us a leading "--"; it ends nothing here.
const argv = process.argv.slice(2);
const args = argv[0] === "--" ? argv.slice(1) : argv;
if (args[0] !== "certs" && args[0] !== "token") {
  restartWithNodeDefaults();
  applyV8Defaults();
}
const { runServerCommand } = await import("./serverCommand.js");
await runServerCommand(args);
