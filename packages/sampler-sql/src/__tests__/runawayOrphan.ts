// Starts an endless SQLite query through the sampler and prints its connection process's pid; the test
// then kills this program with SIGKILL (no exit hook runs) and expects the connection process to die too.
//   node --import ../../scripts/tsHooks.mjs --conditions=@amstaff/source src/__tests__/runawayOrphan.ts <file>

import { sqliteProcesses } from "../sqliteDriver.js";
import { sqlSampler } from "../sqlSampler.js";

const endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
const sampler = sqlSampler({ url: `sqlite://${process.argv[2]}`, query: endless, timeout: "1h" });
void sampler.probe();
const timer = setInterval(() => {
  const [pid] = sqliteProcesses();
  if (pid !== undefined) {
    clearInterval(timer);
    process.stdout.write(`${pid}\n`);
  }
}, 20);
