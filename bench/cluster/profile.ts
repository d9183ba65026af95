// Reads a V8 .cpuprofile (from `cluster:capacity -- --cpu-prof <dir>`) and prints what held the event loop:
// self time by function, and the longest stretches of samples without a pause (an idle sample), each with
// the functions that took most of it (inclusive time). A stretch of busy samples is a macrotask and the
// microtasks after it: what a timer or an I/O callback waited behind.
// `--from-s`/`--to-s` keep only the samples in that window (seconds from the profile's start: the table
// of busy time per 10 s it prints shows where the push ends and the steady state begins).
//   node bench/cluster/profile.ts <file.cpuprofile> [--top 25] [--stretches 10] [--from-s 300 --to-s 340]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: "string", default: "25" },
    stretches: { type: "string", default: "10" },
    "from-s": { type: "string", default: "0" },
    "to-s": { type: "string", default: "1e9" },
  },
});
const file = positionals[0];
if (!file) throw new Error("usage: node bench/cluster/profile.ts <file.cpuprofile>");
const full = JSON.parse(readFileSync(file, "utf8")) as Profile;

// Busy share of the main thread per 10 s, then the samples of the window asked for.
const at: number[] = [];
let elapsed = 0;
for (const delta of full.timeDeltas) {
  elapsed += delta;
  at.push(elapsed);
}
const idleIds = new Set(full.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
const buckets: { busy: number; all: number }[] = [];
for (let i = 0; i < full.samples.length; i++) {
  const us = full.timeDeltas[i + 1] ?? 0;
  const index = Math.floor(at[i]! / 10_000_000);
  const b = buckets[index] ?? { busy: 0, all: 0 };
  buckets[index] = b;
  b.all += us;
  if (!idleIds.has(full.samples[i]!)) b.busy += us;
}
const timeline = [...buckets].map((b, i) => `${i * 10}s ${b?.all ? Math.round((100 * b.busy) / b.all) : 0}%`);
const fromUs = Number(values["from-s"]) * 1e6;
const toUs = Number(values["to-s"]) * 1e6;
const keep = full.samples.map((_, i) => at[i]! >= fromUs && at[i]! < toUs);
const profile: Profile = {
  ...full,
  samples: full.samples.filter((_, i) => keep[i]),
  timeDeltas: full.timeDeltas.filter((_, i) => keep[i]),
};
const windowUs = profile.timeDeltas.slice(1).reduce((a, b) => a + b, 0);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n: ProfileNode): string => {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url ? `${url.replace(/^.*\/(packages|node_modules)\//, "$1/")}:${lineNumber + 1}` : "";
  return `${functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
};
const idle = (id: number) => byId.get(id)?.callFrame.functionName === "(idle)";

// Sample i lasts until sample i + 1: timeDeltas[i + 1] is the gap before the next one.
const durations = profile.samples.map((_, i) => profile.timeDeltas[i + 1] ?? 0);
const totalUs = windowUs;

const self = new Map<string, number>();
let busyUs = 0;
for (const [i, id] of profile.samples.entries()) {
  const key = label(byId.get(id)!);
  self.set(key, (self.get(key) ?? 0) + durations[i]!);
  if (!idle(id)) busyUs += durations[i]!;
}

const ms = (us: number) => (us / 1000).toFixed(1);
const out: string[] = [];
out.push(
  `busy per 10 s: ${timeline.join(", ")}`,
  "",
  `window ${ms(totalUs)} ms, busy ${ms(busyUs)} ms (${Math.round((100 * busyUs) / totalUs)} % of the main thread)`,
  "",
  "| self ms | % | function |",
  "|---|---|---|",
);
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
  out.push(`| ${ms(us)} | ${((100 * us) / totalUs).toFixed(1)} | ${key} |`);
}

// Stretches: maximal runs of non-idle samples.
const stretches: { start: number; end: number; us: number }[] = [];
for (let i = 0; i < profile.samples.length; ) {
  if (idle(profile.samples[i]!)) {
    i++;
    continue;
  }
  let us = 0;
  const start = i;
  while (i < profile.samples.length && !idle(profile.samples[i]!)) us += durations[i++]!;
  stretches.push({ start, end: i, us });
}
stretches.sort((a, b) => b.us - a.us);
const lengths = stretches.map((s) => s.us).sort((a, b) => a - b);
const pct = (q: number) => lengths[Math.min(lengths.length - 1, Math.floor(q * lengths.length))] ?? 0;
out.push(
  "",
  `${stretches.length} busy stretches: p50 ${ms(pct(0.5))} ms, p99 ${ms(pct(0.99))} ms, max ${ms(pct(1))} ms`,
);
for (const s of stretches.slice(0, Number(values.stretches))) {
  const inclusive = new Map<string, number>();
  for (let i = s.start; i < s.end; i++) {
    const seen = new Set<string>();
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const key = label(byId.get(id)!);
      if (key.startsWith("(root)") || seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + durations[i]!);
    }
  }
  out.push("", `stretch of ${ms(s.us)} ms:`);
  for (const [key, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
    out.push(`  ${ms(us).padStart(7)} ms  ${key}`);
  }
}
process.stdout.write(`${out.join("\n")}\n`);
