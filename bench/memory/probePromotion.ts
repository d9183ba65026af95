// What HTTP probes alone promote to V8's old generation: `@amstaff/sampler-http` probes a local keep-alive target
// (a child process) through `runProbe` as the server does, `--monitors` samplers each every `--interval-ms`,
// their phases spread evenly, for `--seconds`; V8's own GC statistics (`v8.GCProfiler`) give, for every
// young-generation GC, what the old generation gained: bytes promoted per probe, no profiler in the way.
// `--delay-ms` makes the target answer late, so that many probes are under way at once; `--headers` adds
// response headers; Node's flags (`--no-allocation-site-pretenuring`) go before the script.
//   npx -y pnpm@12.21.0 --filter @amstaff/bench exec node [flags] memory/probePromotion.ts [--monitors 5000]
//        [--interval-ms 1000] [--seconds 30] [--headers 4] [--delay-ms 0] [--snapshot <file>]
import { parseArgs } from "node:util";
import { GCProfiler, writeHeapSnapshot } from "node:v8";
import { runProbe } from "@amstaff/core";
import { startProbeTarget } from "./probeTarget.ts";

const { values } = parseArgs({
  options: {
    monitors: { type: "string", default: "5000" },
    "interval-ms": { type: "string", default: "1000" },
    seconds: { type: "string", default: "30" },
    headers: { type: "string", default: "4" },
    "delay-ms": { type: "string", default: "0" },
    /** Writes a heap snapshot here once every probe has ended: what probes leave behind. */
    snapshot: { type: "string" },
  },
});
const monitors = Number(values.monitors);
const intervalMs = Number(values["interval-ms"]);
const seconds = Number(values.seconds);

const { samplers, process: target } = await startProbeTarget(
  monitors,
  Number(values.headers),
  Number(values["delay-ms"]),
);

let started = 0;
let done = 0;
let inFlightMax = 0;
/** Probes every monitor due by now: monitor `i`'s phase is `i / monitors` of the interval. */
function runFor(untilMs: number, t0: number): Promise<void> {
  return new Promise((resolve) => {
    let next = 0;
    const tick = () => {
      const now = performance.now() - t0;
      const due = Math.min(
        Math.floor((now / intervalMs) * monitors),
        Math.floor((untilMs / intervalMs) * monitors),
      );
      for (; next < due; next++) {
        started++;
        inFlightMax = Math.max(inFlightMax, started - done);
        void runProbe(samplers[next % monitors]!, { timeoutMs: 10_000 }).then(() => done++);
      }
      if (now < untilMs) setTimeout(tick, 5);
      else resolve();
    };
    tick();
  });
}

const oldSpaces = new Set(["old_space", "code_space", "large_object_space", "trusted_space"]);
const oldUsed = (spaces: { spaceName: string; spaceUsedSize: number }[]) =>
  spaces.filter((s) => oldSpaces.has(s.spaceName)).reduce((sum, s) => sum + s.spaceUsedSize, 0);

try {
  await runFor(Math.min(5_000, seconds * 1000), performance.now()); // warm up: connections open, code optimized
  while (done < started) await new Promise((r) => setTimeout(r, 10));
  const profiler = new GCProfiler();
  profiler.start();
  const probesBefore = started;
  inFlightMax = 0;
  await runFor(seconds * 1000, performance.now());
  const probes = started - probesBefore;
  const { statistics } = profiler.stop()!;
  let promoted = 0;
  let scavenges = 0;
  let full = 0;
  for (const gc of statistics) {
    if (gc.gcType === "Scavenge" || gc.gcType === "MinorMarkSweep") {
      scavenges++;
      promoted += Math.max(
        0,
        oldUsed(gc.afterGC.heapSpaceStatistics) - oldUsed(gc.beforeGC.heapSpaceStatistics),
      );
    } else full++;
  }
  while (done < started) await new Promise((r) => setTimeout(r, 10));
  if (values.snapshot !== undefined) writeHeapSnapshot(values.snapshot);
  process.stdout.write(
    [
      "",
      `${probes} probes (${monitors} monitors every ${intervalMs} ms, ${values.headers} extra headers, target delay ${values["delay-ms"]} ms), in flight at most ${inFlightMax}`,
      `scavenges ${scavenges}, full GCs ${full}; promoted ${(promoted / probes).toFixed(0)} bytes per probe`,
      "",
    ].join("\n"),
  );
} finally {
  target.kill();
}
