// Spawned by cli/server/nodeDefaults.test.ts: starts again with the node defaults as the amstaff-server bin
// does, then says what it runs with and ends as its argument asks: `exit:<code>`, or `wait` for a signal.
import { restartWithNodeDefaults } from "../cli/server/nodeDefaults.js";

process.stderr.write(`start ${process.pid}\n`);
restartWithNodeDefaults();
process.stdout.write(
  `${JSON.stringify({
    pid: process.pid,
    execArgv: process.execArgv,
    argv: process.argv.slice(2),
    switch: process.env.AMSTAFF_NODE_DEFAULTS,
    arenas: process.env.MALLOC_ARENA_MAX,
    mmapThreshold: process.env.MALLOC_MMAP_THRESHOLD_,
    trimThreshold: process.env.MALLOC_TRIM_THRESHOLD_,
    kept: process.env.KEPT,
  })}\n`,
);
const [action, code] = (process.argv[2] ?? "exit:0").split(":");
if (action === "exit") process.exit(Number(code));
setInterval(() => {}, 60_000);
