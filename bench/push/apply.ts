// What applying a big module costs the state machine, in process: `--others` modules of `--monitors` monitors
// already exist (the rest of the node's fleet), then, per run, one module of `--monitors` monitors is pushed
// (`module.put`, a new name), re-pushed with every monitor kept (statuses carried), every monitor records a
// transition (`transition.record`, pending → ok), and the module is deleted. Wall and CPU time per step,
// p50 and p95 over `--runs`. Every node applies each of these commands, so this is a per-node cost.
// Run: npx -y pnpm@12.21.0 --filter @amstaff/bench run push:apply [--monitors 1000 --others 49 --runs 10]
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { StateMachine } from "../../packages/server/src/state/stateMachine.ts";

const { values } = parseArgs({
  allowPositionals: true,
  options: {
    monitors: { type: "string", default: "1000" },
    others: { type: "string", default: "49" },
    runs: { type: "string", default: "10" },
  },
});
const perModule = Number(values.monitors);
const others = Number(values.others);
const runs = Number(values.runs);

const machine = new StateMachine();
let index = 0;
const apply = (command: unknown) => {
  const result = machine.apply(command, ++index);
  if (!result.ok) throw new Error(`${JSON.stringify(command).slice(0, 200)}: ${result.reason}`);
};

const definitionOf = (module: string, handlerPort: number) => ({
  name: module,
  monitors: Array.from({ length: perModule }, (_, i) => ({
    name: `Check ${i}`,
    tags: ["production"],
    schedule: { kind: "interval", every: "30s" },
    sampler: { plugin: "@amstaff/sampler-http", options: { url: `http://127.0.0.1:1/${module}/${i}` } },
    handlers: [
      { plugin: "@amstaff/handler-webhook", options: { url: `http://127.0.0.1:${handlerPort}/hook` } },
    ],
    consecutive: 1,
    timeoutMs: 10_000,
    unknown: "unknown",
    dependsOn: [],
  })),
  maintenance: [],
});
const put = (module: string, handlerPort: number) =>
  apply({
    type: "module.put",
    name: module,
    source: "// bench",
    definition: definitionOf(module, handlerPort),
    at: 1,
  });

for (let m = 0; m < others; m++) put(`Other ${m}`, 2);

type Step = "push" | "re-push" | "transitions" | "delete";
const steps: Step[] = ["push", "re-push", "transitions", "delete"];
const wall = new Map<Step, number[]>(steps.map((step) => [step, []]));
const cpu = new Map<Step, number[]>(steps.map((step) => [step, []]));
const timed = (step: Step, run: () => void) => {
  const start = performance.now();
  const startCpu = process.cpuUsage();
  run();
  const used = process.cpuUsage(startCpu);
  wall.get(step)?.push(performance.now() - start);
  cpu.get(step)?.push((used.user + used.system) / 1000);
};

let at = 1_000;
for (let r = 0; r < runs; r++) {
  const module = `Pushed ${r}`;
  timed("push", () => put(module, 2));
  // The handler changes, so every monitor is matched with its previous definition.
  timed("re-push", () => put(module, 3));
  const version = index;
  timed("transitions", () => {
    for (let i = 0; i < perModule; i++) {
      at += 1;
      apply({
        type: "transition.record",
        module,
        monitor: `Check ${i}`,
        moduleVersion: version,
        from: "pending",
        to: "ok",
        since: at,
        flapping: false,
        result: { status: "ok", message: "HTTP 200", durationMs: 5, timestamp: at },
        at,
      });
    }
  });
  timed("delete", () => apply({ type: "module.delete", name: module, at }));
}

const pick = (list: number[] | undefined, q: number) => {
  const sorted = [...(list ?? [])].sort((a, b) => a - b);
  return (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(1);
};
const labels: Record<Step, string> = {
  push: `module.put, new module of ${perModule}`,
  "re-push": `module.put, re-push of ${perModule} (statuses carried)`,
  transitions: `${perModule} × transition.record`,
  delete: `module.delete of ${perModule}`,
};
process.stdout.write(
  [
    `load average ${loadavg()[0]?.toFixed(1)}; ${others} other modules × ${perModule} monitors exist; ${runs} runs`,
    "",
    "| step | p50 ms | p95 ms | CPU p50 ms |",
    "|---|---|---|---|",
    ...steps.map(
      (step) =>
        `| ${labels[step]} | ${pick(wall.get(step), 0.5)} | ${pick(wall.get(step), 0.95)} | ${pick(cpu.get(step), 0.5)} |`,
    ),
    "",
  ].join("\n"),
);
