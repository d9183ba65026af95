// How long `expect: { matches }` takes to judge a body, before and after body patterns moved to RE2:
// JavaScript's backtracking RegExp on the event loop (String.prototype.search, what the sampler did) beside
// re2js in the same thread (the engine alone) and a whole @amstaff/sampler-http probe against a local
// server, whose match runs on a worker thread (what the sampler does now). Not a test. Build first, then
//   npx -y pnpm@12.21.0 --filter @amstaff/bench run samplers:body-match [-- --runs 20]
//
// Times are medians of --runs runs (the probe column: a probe with `expect` minus the same probe without,
// run alternately, so the request itself is not counted). A backtracking blow-up is run once, on a
// short body, and reported with the time one more character would add.
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { httpSampler } from "@amstaff/sampler-http";
import { RE2JS } from "re2js";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: { runs: { type: "string", default: "20" } },
});
const runs = Number(values.runs);

const health = (items: number) =>
  JSON.stringify({
    status: "UP",
    checks: Array.from({ length: items }, (_, i) => ({
      name: `dependency-${i}`,
      status: "UP",
      latencyMs: i % 97,
    })),
  });
const bodies: Record<string, string> = {
  "health JSON, 2 KiB": health(30),
  "health JSON, 1 MiB": health(16_000).slice(0, 1024 * 1024),
  "HTML page, 256 KiB": `<html><body>${"<div class=row><span>ok</span> all systems operational</div>\n".repeat(4_000)}<p>Version 4.2.1</p></body></html>`,
  "28 a and a !": `${"a".repeat(28)}!`,
};
const cases: [pattern: string, flags: string, body: string, blowUp?: (n: number) => string][] = [
  ['"status"\\s*:\\s*"(UP|OK)"', "", "health JSON, 2 KiB"],
  ['"status"\\s*:\\s*"(UP|OK)"', "", "health JSON, 1 MiB"],
  ['"dependency-15999"[^}]*"status":"DOWN"', "", "health JSON, 1 MiB"],
  ["version\\s+4\\.\\d+\\.\\d+", "i", "HTML page, 256 KiB"],
  ["^(a+)+$", "", "28 a and a !", (n) => `${"a".repeat(n)}!`],
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function timed(run: () => unknown): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

const server = createServer((request, response) => {
  response.end(bodies[decodeURIComponent((request.url ?? "/").slice(1))] ?? "");
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const print = (line: string) => process.stdout.write(`${line}\n`);
print(
  `runs ${runs}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}\n`,
);
print(
  "| pattern | body | RegExp on the event loop (before) | re2js, same thread | probe's extra time, match on a worker (after) |",
);
print("|---|---|---:|---:|---:|");
for (const [pattern, flags, bodyName, blowUp] of cases) {
  const body = bodies[bodyName] ?? "";
  let before: string;
  if (blowUp) {
    const regexp = new RegExp(pattern, flags);
    const at = (n: number) => timed(() => blowUp(n).search(regexp));
    // Irregexp interprets a pattern's first runs and compiles it to machine code once it is hot.
    for (let i = 0; i < 20; i++) at(12);
    const ms = at(24);
    const growth = Math.sqrt(at(26) / ms);
    before = `${ms.toFixed(0)} ms at 24 a, ×${growth.toFixed(1)} per extra a (28 a: ~${((ms * growth ** 4) / 1000).toFixed(0)} s)`;
  } else {
    const regexp = new RegExp(pattern, flags);
    before = `${median(Array.from({ length: runs }, () => timed(() => body.search(regexp)))).toFixed(3)} ms`;
  }
  const re2 = RE2JS.compile(pattern, flags.includes("i") ? RE2JS.CASE_INSENSITIVE : 0);
  const inThread = median(Array.from({ length: runs }, () => timed(() => re2.test(body))));
  // The probe measures latency up to the end of the body; the match comes after it, so time the whole call.
  const withMatch = await (async () => {
    const sampler = httpSampler({
      url: `${origin}/${encodeURIComponent(bodyName)}`,
      maxBodyBytes: 2 * 1024 * 1024,
      expect: { matches: pattern, flags },
    });
    const plain = httpSampler({
      url: `${origin}/${encodeURIComponent(bodyName)}`,
      maxBodyBytes: 2 * 1024 * 1024,
    });
    await sampler.probe();
    await plain.probe();
    const extra: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s1 = performance.now();
      await sampler.probe();
      const matchedMs = performance.now() - s1;
      const s2 = performance.now();
      await plain.probe();
      extra.push(matchedMs - (performance.now() - s2));
    }
    return median(extra);
  })();
  print(
    `| \`/${pattern}/${flags}\` | ${bodyName} | ${before} | ${inThread.toFixed(3)} ms | ${withMatch.toFixed(2)} ms |`,
  );
}
server.close();
process.exit(0);
