// What one HTTP probe allocates, by the function that allocated it: `@amstaff/sampler-http` probes a local
// keep-alive target (in a child process, so its allocations do not count) `--probes` times, `--concurrency`
// at a time, through `runProbe` as the server does, under V8's sampling heap profiler with the objects
// young- and old-generation GCs collected included. Prints bytes per probe by allocating function.
//   npx -y pnpm@12.21.0 --filter @amstaff/bench exec node memory/probeAllocations.ts [--probes 20000]
//        [--concurrency 64] [--top 25]
import { Session } from "node:inspector/promises";
import { parseArgs } from "node:util";
import { runProbe } from "@amstaff/core";
import { bytesByFunction, type ProfileNode } from "./heapProfile.ts";
import { startProbeTarget } from "./probeTarget.ts";

const { values } = parseArgs({
  options: {
    probes: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "64" },
    top: { type: "string", default: "25" },
  },
});
const probes = Number(values.probes);
const concurrency = Number(values.concurrency);

const { samplers, process: target } = await startProbeTarget(concurrency);

async function loop(count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    samplers.map(async (sampler) => {
      while (next++ < count) await runProbe(sampler, { timeoutMs: 10_000 });
    }),
  );
}

try {
  await loop(2_000); // warm up: connections open, code optimized
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await loop(probes);
  const { profile } = (await session.post("HeapProfiler.stopSampling")) as { profile: { head: ProfileNode } };
  session.disconnect();

  const { rows: all, total } = bytesByFunction(profile.head);
  const rows = all.slice(0, Number(values.top));
  const lines = [
    "",
    `${probes} probes, ${concurrency} at a time: ${(total / probes).toFixed(0)} bytes allocated per probe (sampled)`,
    "",
    "| allocated by | bytes per probe |",
    "|---|---|",
    ...rows.map(([key, bytes]) => `| \`${key}\` | ${(bytes / probes).toFixed(0)} |`),
    "",
  ];
  process.stdout.write(lines.join("\n"));
} finally {
  target.kill();
}
