// Runs the deterministic simulation over many seeds: node --import ../../scripts/tsHooks.mjs scripts/soak.ts
//   --seeds N     how many seeds (default 2000)    --from S   first seed (default 1)
//   --seed S      replay exactly one seed           --trace    print the event trace of a failing seed
//   --duration T  virtual time per run (default 6000)
import { parseArgs } from "node:util";
import { Simulation, SimulationFailure } from "../src/testing.ts";

const { values } = parseArgs({
  // pnpm forwards the "--" separator of `pnpm run soak -- --seeds N`.
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    seeds: { type: "string", default: "2000" },
    from: { type: "string", default: "1" },
    seed: { type: "string" },
    duration: { type: "string", default: "6000" },
    trace: { type: "boolean", default: false },
  },
});
const first = Number(values.seed ?? values.from);
const count = values.seed ? 1 : Number(values.seeds);
const duration = Number(values.duration);
const totals = {
  runs: 0,
  committed: 0,
  crashes: 0,
  snapshotsSent: 0,
  confChanges: 0,
  acknowledgedWrites: 0,
  reads: 0,
  leaders: 0,
  leaderCrashesBeforeFsync: 0,
  commitsBeforeLeaderFsync: 0,
};
/** How client writes settled (applied, applied-result-unknown, dropped, unknown). */
const settled = { applied: 0, appliedResultUnknown: 0, dropped: 0, unknown: 0 };
const started = Date.now();
let failed = 0;
for (let seed = first; seed < first + count; seed++) {
  try {
    const r = new Simulation({ seed, duration, leaseRead: seed % 5 === 0, trace: values.trace }).run();
    totals.runs++;
    for (const k of [
      "committed",
      "crashes",
      "snapshotsSent",
      "confChanges",
      "acknowledgedWrites",
      "reads",
      "leaders",
      "leaderCrashesBeforeFsync",
      "commitsBeforeLeaderFsync",
    ] as const)
      totals[k] += r[k];
    for (const k of Object.keys(settled) as (keyof typeof settled)[]) settled[k] += r.settled[k];
    if (values.seed) console.warn(JSON.stringify(r));
  } catch (error) {
    failed++;
    if (error instanceof SimulationFailure) {
      if (values.trace) console.warn(error.trace.slice(-300).join("\n"));
      console.error(error.message);
    } else {
      console.error(`seed ${seed}:`, error);
    }
  }
  if (totals.runs % 100 === 0 && totals.runs > 0)
    console.warn(
      `${totals.runs} seeds ok, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
}
console.warn(JSON.stringify({ ...totals, settled, failed, seconds: (Date.now() - started) / 1000 }));
process.exitCode = failed > 0 ? 1 : 0;
