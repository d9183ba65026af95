// Reads a V8 .cpuprofile (from `cluster:capacity -- --cpu-prof <dir>`) and prints what held the event loop:
// self time by function, and the longest stretches of samples without a pause (an idle sample), each with
// the functions that took most of it (inclusive time). A stretch of busy samples is a macrotask and the
// microtasks after it: what a timer or an I/O callback waited behind.
//   node bench/cluster/profile.ts <file.cpuprofile> [--top 25] [--stretches 10]
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
  options: { top: { type: "string", default: "25" }, stretches: { type: "string", default: "10" } },
});
const file = positionals[0];
if (!file) throw new Error("usage: node bench/cluster/profile.ts <file.cpuprofile>");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;

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
const totalUs = profile.endTime - profile.startTime;

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
  `profile ${ms(totalUs)} ms, busy ${ms(busyUs)} ms (${Math.round((100 * busyUs) / totalUs)} % of the main thread)`,
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
