// Failover: three real amstaff-server processes on loopback, one module (one monitor, every 1 s) per
// node. Each trial kills (SIGKILL) the owner of a module, alternately the leader and a follower, and
// measures the time from the kill to the first probe of that module's target by another node; then it
// restarts the killed node and waits until every node owns one module again. Prints a markdown table,
// with the machine's load average (the numbers mean little without it on a shared machine).
//   npx -y pnpm@12.21.0 --filter @amstaff/server run build
//   npx -y pnpm@12.21.0 --filter @amstaff/bench run cluster:failover -- --trials 20
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { eventually, median, type Node, startNodes, startTarget } from "./nodes.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: { trials: { type: "string", default: "20" } },
});
const trials = Number(values.trials);

const moduleSource = (
  name: string,
  targetUrl: string,
) => `import { amstaff, every, secret } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("${name}", (m) => {
  m.monitor("health", {
    sampler: httpGet({ url: "${targetUrl}/${name}", headers: { "x-prober": secret("PROBER") } }),
    timing: every("1s"),
  });
});
`;

interface View {
  leader: string | null;
  members: { id: string; health: string; modules: string[] }[];
}

async function balanced(nodes: Node[]): Promise<View> {
  return eventually(
    async () => {
      for (const node of nodes) {
        if (!node.running) continue;
        const { status, body } = await node
          .api("/cluster", { timeoutMs: 3_000 })
          .catch(() => ({ status: 0, body: undefined }));
        const view = body as View | undefined;
        if (status === 200 && view?.members.every((m) => m.health === "up" && m.modules.length === 1))
          return view;
      }
      return undefined;
    },
    90_000,
    "one module per node",
    200,
  );
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");
const loadAtStart = load();

const target = await startTarget();
const nodes = await startNodes(["a", "b", "c"]);
const results: { role: string; ms: number }[] = [];
try {
  for (const name of ["m1", "m2", "m3"]) {
    const pushed = await nodes[0]!.api("/monitor", { method: "POST", body: moduleSource(name, target.url) });
    if (pushed.status !== 201) throw new Error(`push ${name}: ${JSON.stringify(pushed.body)}`);
  }
  for (let trial = 1; trial <= trials; trial++) {
    const view = await balanced(nodes);
    const role = trial % 2 === 1 ? "leader" : "follower";
    const victimId = role === "leader" ? view.leader! : view.members.find((m) => m.id !== view.leader)!.id;
    const module = view.members.find((m) => m.id === victimId)!.modules[0]!;
    const victim = nodes.find((n) => n.id === victimId)!;
    // Only keep the probes of this trial: a long run must not grow without bound.
    target.probes.length = 0;
    const killedAt = Date.now();
    await victim.stop("SIGKILL");
    const resumed = await eventually(
      () => target.probes.find((p) => p.path === `/${module}` && p.at > killedAt && p.node !== victimId),
      30_000,
      `${module} sampled by another node`,
    );
    results.push({ role, ms: resumed.at - killedAt });
    process.stderr.write(
      `trial ${trial}: killed the ${role} ${victimId}; ${module} resumed on ${resumed.node} after ${resumed.at - killedAt} ms\n`,
    );
    await victim.start();
  }
  const loadAtEnd = load();
  const row = (label: string, ms: number[]) =>
    `| ${label} | ${ms.length} | ${median(ms)} | ${Math.max(...ms)} | ${[...ms].sort((a, b) => a - b).join(", ")} |`;
  process.stdout.write(
    [
      "",
      "| owner killed | trials | median ms | max ms | all ms |",
      "|---|---|---|---|---|",
      ...["leader", "follower"].map((role) =>
        row(
          role,
          results.filter((r) => r.role === role).map((r) => r.ms),
        ),
      ),
      row(
        "any",
        results.map((r) => r.ms),
      ),
      "",
      `${cpus().length} cores; load average (1 / 5 / 15 min) ${loadAtStart} at the start, ${loadAtEnd} at the end`,
      "",
    ].join("\n"),
  );
} finally {
  await Promise.all(nodes.map((n) => n.dispose()));
  await target.close();
}
