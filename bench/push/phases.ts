// Where a push of a `--monitors` (1000) monitor module spends its time on the node that takes it, phase by
// phase, in process, from the sources: the compiler's bundle (esbuild), evaluation in the sandbox process,
// type-check (TypeScript on its thread; it runs beside the evaluation), parsing and validating the output,
// then the server's diff against the running revision, the log entry's size, and the state machine's apply
// of `module.put` (on every node). Two module files: `loop`, the benchmarks' form (`cluster:capacity`: a
// `for` over `httpGet`), and `literal`, one `m.monitor(...)` call per monitor with a webhook and a secret,
// as a team that generates its file writes it. Warm (helpers started), `--runs` (10) each, p50 and p95.
// CPU time counts this process (all threads) and its children (sandbox processes, esbuild's service): the
// wall time of a loaded machine says little. Linux only (the children's CPU time is read from /proc).
// Run: npx -y pnpm@12.21.0 --filter @amstaff/bench run push:phases [--monitors 1000 --runs 10 --locate]
import { readdirSync } from "node:fs";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { webhookPlugin } from "@amstaff/handler-webhook";
import { httpPlugin } from "@amstaff/sampler-http";
import * as builders from "../../packages/dsl/src/builders.ts";
import { bundleModule, type ImportTable } from "../../packages/dsl/src/bundleModule.ts";
import { closeSandboxes, compileModule } from "../../packages/dsl/src/compiler.ts";
import { readProcStat } from "../../packages/dsl/src/cpuTime.ts";
import { dslTypeNames } from "../../packages/dsl/src/dslExports.ts";
import { runInSandbox } from "../../packages/dsl/src/sandbox.ts";
import { SourceLocator } from "../../packages/dsl/src/sourceLocation.ts";
import { closeTypeCheckThread, typeCheck } from "../../packages/dsl/src/typeCheckThread.ts";
import { sandboxSuccessSchema, validateModule } from "../../packages/dsl/src/validateModule.ts";
import { diffModules } from "../../packages/server/src/http/diff.ts";
import { StateMachine } from "../../packages/server/src/state/stateMachine.ts";

const { values } = parseArgs({
  allowPositionals: true,
  options: {
    monitors: { type: "string", default: "1000" },
    runs: { type: "string", default: "10" },
    // Evaluate recording where each builder call was made, as every evaluation did before and as a module
    // that validation refuses is evaluated a second time.
    locate: { type: "boolean", default: false },
  },
});
const size = Number(values.monitors);
const runs = Number(values.runs);
const plugins = [httpPlugin, webhookPlugin];
const table: ImportTable = {
  dslExports: Object.keys(builders),
  dslTypes: dslTypeNames,
  plugins: new Map(plugins.map((p) => [p.package, Object.keys(p.builders)])),
};
// Plugins' declarations resolve from the bench's node_modules, as the server's from its own.
const resolveFrom = process.cwd();

const loop = (name: string) => `import { amstaff, every } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("${name}", (m) => {
  for (let i = 0; i < ${size}; i++) {
    m.monitor("p" + i, { sampler: httpGet({ url: "http://127.0.0.1:1/${name}/" + i }), timing: every("10s") });
  }
});
`;
const literal = (name: string) => `import { amstaff, every, secret } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("${name}", (m) => {
${Array.from(
  { length: size },
  (_, i) => `  m.monitor("Monitor ${i}", {
    sampler: httpGet({ url: "http://service-${i}.example/health", okStatus: [200, 201] }),
    timing: every("${30 + (i % 5)}s"),
    handlers: [webhook({ url: "https://hooks.example.com/amstaff", headers: { authorization: secret("HOOK_TOKEN") } })],
    tags: ["production", "team-${i % 7}"],
  });`,
).join("\n")}
});
`;

type Phase = "bundle" | "evaluate" | "type-check" | "parse" | "validate" | "compileModule" | "diff" | "apply";
const phases: Phase[] = [
  "bundle",
  "evaluate",
  "type-check",
  "parse",
  "validate",
  "compileModule",
  "diff",
  "apply",
];
const labels: Record<Phase, string> = {
  bundle: "bundle (esbuild)",
  evaluate: `evaluate in the sandbox process${values.locate ? ", call positions recorded" : ""}`,
  "type-check": "type-check (on its thread; a compile runs it beside the evaluation)",
  parse: "parse the sandbox's JSON",
  validate: "validate (plugins' zod schemas, secrets)",
  compileModule: "**compile, all of the above** (`compileModule`, evaluation and type-check at once)",
  diff: "server: diff against the running revision + unchanged check",
  apply: "server: state machine applies `module.put` (every node)",
};

/** CPU time of this process' child processes (the sandbox processes, esbuild's service), in ms. */
function childrenCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat?.parent === process.pid) total += stat.cpuMs;
  }
  return total;
}
const cpuMs = () => {
  const own = process.cpuUsage();
  return (own.user + own.system) / 1000 + childrenCpuMs();
};

/** Runs one phase alone: its wall time, and the CPU time of this process and its children (all threads). */
async function timed<T>(into: Sample[], run: () => Promise<T> | T): Promise<T> {
  const cpu = cpuMs();
  const start = performance.now();
  const value = await run();
  into.push({ wall: performance.now() - start, cpu: cpuMs() - cpu });
  return value;
}

interface Sample {
  wall: number;
  cpu: number;
}

const pick = (samples: Sample[], key: keyof Sample, q: number) => {
  const sorted = samples.map((s) => s[key]).sort((a, b) => a - b);
  return (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(0);
};

const lines: string[] = [];
for (const [variant, make] of [
  ["loop", loop],
  ["literal", literal],
] as const) {
  const times = new Map<Phase, Sample[]>(phases.map((p) => [p, []]));
  const at = (phase: Phase) => times.get(phase) ?? [];
  const machine = new StateMachine();
  let index = 0;
  let sourceBytes = 0;
  let entryBytes = 0;
  for (let r = -2; r < runs; r++) {
    // Two warm-up runs start the sandbox process, the type-check thread and esbuild's service.
    const name = `Push ${variant}`;
    const source = make(name);
    sourceBytes = source.length;
    const bundled = await timed(at("bundle"), () => bundleModule(source, table, "module.ts"));
    if (!bundled.ok) throw new Error(JSON.stringify(bundled.errors[0]));
    // One after the other (a compile runs the two at once), so that each one's CPU time is its own.
    const outcome = await timed(at("evaluate"), () =>
      runInSandbox(bundled.bundle.code, { cpuMs: 30_000, wallMs: 60_000 }, { locate: values.locate }),
    );
    const typeErrors = await timed(at("type-check"), () =>
      typeCheck({
        resolveFrom,
        source,
        plugins: [...table.plugins].map(([p, exports]) => [p, [...exports]]),
        file: "module.ts",
      }),
    );
    if (typeErrors.length > 0) throw new Error(JSON.stringify(typeErrors[0]));
    if (outcome.kind !== "output") throw new Error(`evaluation: ${JSON.stringify(outcome)}`);
    const output = await timed(at("parse"), () => sandboxSuccessSchema.parse(JSON.parse(outcome.json)));
    const locator = new SourceLocator(bundled.bundle.map);
    const definition = await timed(at("validate"), () =>
      validateModule(output, plugins, locator, (_, message) => {
        throw new Error(message);
      }),
    );
    if (definition === undefined) throw new Error("not valid");
    const compiled = await timed(at("compileModule"), () =>
      compileModule(source, { filename: "module.ts", plugins, resolveFrom, timeoutMs: 30_000 }),
    );
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors[0]));
    const existing = machine.module(name);
    await timed(at("diff"), () => {
      diffModules(existing?.definition, definition);
      return existing !== undefined && JSON.stringify(existing.definition) === JSON.stringify(definition);
    });
    // A re-push with one monitor's URL changed: the push a team makes every deploy.
    const command = {
      type: "module.put",
      name,
      source: `${source}// ${r}\n`,
      definition,
      at: 1,
    };
    entryBytes = JSON.stringify(command).length;
    const applied = await timed(at("apply"), () => machine.apply(command, ++index));
    if (!applied.ok) throw new Error(applied.reason);
    if (r < 0) for (const list of times.values()) list.pop();
  }
  lines.push(
    `**${variant}**: ${size} monitors, source ${(sourceBytes / 1024).toFixed(0)} KiB, log entry ${(entryBytes / 1024).toFixed(0)} KiB`,
    "",
    "| phase | wall p50 ms | wall p95 ms | CPU p50 ms |",
    "|---|---|---|---|",
    ...phases.map(
      (phase) =>
        `| ${labels[phase]} | ${pick(at(phase), "wall", 0.5)} | ${pick(at(phase), "wall", 0.95)} | ${pick(at(phase), "cpu", 0.5)} |`,
    ),
    "",
  );
}
await closeSandboxes();
await closeTypeCheckThread();
process.stdout.write(
  [`load average ${loadavg()[0]?.toFixed(1)}, ${runs} runs per variant (warm)`, "", ...lines].join("\n"),
);
