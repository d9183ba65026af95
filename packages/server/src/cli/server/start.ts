import { relative } from "node:path";
import { describeError } from "@amstaff/core";
import { startServer } from "../../server.js";
import { version } from "../../version.js";
import { printFailure } from "../terminal.js";
import { applyHeapGrowth, parseHeapGrowth } from "./heapGrowth.js";
import { type ServerFlags, serverOptions } from "./options.js";

/** How long SIGTERM/SIGINT wait for a clean stop before exiting anyway (documented in the README). */
const shutdownBoundMs = 10_000;

/**
 * Starts the node the flags and environment describe, says where it runs and how to use it, and stops
 * it on SIGTERM or SIGINT (a second signal, or a stop past {@link shutdownBoundMs}, exits at once).
 */
export async function serve(flags: ServerFlags, env: NodeJS.ProcessEnv): Promise<void> {
  const heapGrowth = parseHeapGrowth(flags["heap-growth"] ?? env.AMSTAFF_HEAP_GROWTH_PERCENT);
  const options = serverOptions(flags, env);
  applyHeapGrowth(heapGrowth);
  const server = await startServer(options);

  // The token itself is never printed: only where it is and how to use it.
  const tokenFile = relative(process.cwd(), server.tokenPath) || server.tokenPath;
  const tokenHint =
    server.tokenSource === "option" ? "from AMSTAFF_TOKEN" : `export AMSTAFF_TOKEN=$(cat ${tokenFile})`;
  process.stderr.write(
    [
      "",
      `  Amstaff ${version} is running at ${server.url}`,
      `  Node: ${server.nodeId}${server.raftPort === undefined ? " (a cluster of one)" : `, Raft on port ${server.raftPort}`}`,
      `  State: ${server.dataDir}`,
      `  Token: ${tokenHint}${server.tokenSource === "generated" ? "   (new token, generated just now)" : ""}`,
      `  Push a module:`,
      `    curl -H "Authorization: Bearer $AMSTAFF_TOKEN" --data-binary @examples/user-service.ts ${server.url}/monitor`,
      "",
      "",
    ].join("\n"),
  );

  // A stop that hangs (a plugin ignoring its abort signal, a peer not answering) must not keep the
  // node up: past the bound it exits anyway. SQLite connection processes die with it (their exit hook).
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) process.exit(1);
    process.stderr.write(`\n  ${signal}: stopping (again to force)\n`);
    setTimeout(() => {
      printFailure("amstaff-server", `not stopped within ${shutdownBoundMs / 1000} s; exiting anyway`);
      process.exit(1);
    }, shutdownBoundMs);
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        printFailure("amstaff-server", `error while stopping: ${describeError(error)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}
