// Failover: three real amstaff-server processes on loopback, one module (one monitor, every 1 s) per
// node, on Raft or on etcd (`--engine raft`, `etcd` or `raft,etcd`; etcd: a fresh 3-member cluster of
// Debian's etcd-server on loopback). Each trial kills (SIGKILL) the owner of a module, alternately the
// leader (on etcd: the coordinating node, which balances) and another node, and measures the time from the
// kill to the first probe of that module's target by another node; then it restarts the killed node and
// waits until every node owns one module again. On etcd, as many trials again kill the etcd leader member
// and time the first write (a silence) the cluster accepts after it. Prints one markdown table with every
// engine's rows and the machine's load average (the numbers mean little without it on a shared machine).
// `--kill owners` or `--kill etcd-leader` runs only those trials (default: both).
//   npx -y pnpm@12.21.0 --filter @amstaff/server run build
//   npx -y pnpm@12.21.0 --filter @amstaff/bench run cluster:failover -- --trials 20 --engine raft,etcd
//   npx -y pnpm@12.21.0 --filter @amstaff/bench run cluster:failover -- --trials 5 --engine etcd --kill etcd-leader
import { parseArgs } from "node:util";
import { type EngineName, type EtcdMembers, engineNames, withEngine } from "./etcd.ts";
import {
  type Engine,
  eventually,
  load,
  machine,
  median,
  type Node,
  startNodes,
  startTarget,
} from "./nodes.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    trials: { type: "string", default: "20" },
    engine: { type: "string", default: "raft" },
    kill: { type: "string", default: "owners,etcd-leader" },
  },
});
const trials = Number(values.trials);
const kills = new Set(values.kill.split(",").map((k) => k.trim()));
for (const kill of kills)
  if (kill !== "owners" && kill !== "etcd-leader")
    throw new Error(`--kill: "${kill}" is neither owners nor etcd-leader`);

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

type Kill = "leader" | "follower" | "etcd leader member";
const results: { engine: EngineName; kill: Kill; ms: number }[] = [];

/** Kills owners, alternately the leader's and another node's, and times their modules' first probe elsewhere. */
async function killOwners(
  engine: EngineName,
  nodes: Node[],
  target: Awaited<ReturnType<typeof startTarget>>,
) {
  for (let trial = 1; trial <= trials; trial++) {
    const view = await balanced(nodes);
    const kill = trial % 2 === 1 ? "leader" : "follower";
    const victimId = kill === "leader" ? view.leader! : view.members.find((m) => m.id !== view.leader)!.id;
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
    results.push({ engine, kill, ms: resumed.at - killedAt });
    process.stderr.write(
      `${engine} trial ${trial}: killed the ${kill} ${victimId}; ${module} resumed on ${resumed.node} after ${resumed.at - killedAt} ms\n`,
    );
    await victim.start();
  }
}

/** Kills the etcd leader member and times the first write (a one-minute silence) accepted after it. */
async function killEtcdLeaders(nodes: Node[], etcd: EtcdMembers) {
  for (let trial = 1; trial <= trials; trial++) {
    await balanced(nodes);
    const leader = await etcd.leader();
    const writer = nodes[trial % nodes.length]!;
    const killedAt = Date.now();
    await etcd.kill(leader);
    await eventually(
      async () => {
        const answer = await writer
          .api("/silences", { method: "POST", body: '{"for":"1m","reason":"bench"}', timeoutMs: 20_000 })
          .catch(() => undefined);
        return answer?.status === 201 ? true : undefined;
      },
      30_000,
      "a write after the etcd leader died",
      0,
    );
    const ms = Date.now() - killedAt;
    results.push({ engine: "etcd", kill: "etcd leader member", ms });
    process.stderr.write(
      `etcd trial ${trial}: killed etcd member ${leader}; ${writer.id} wrote after ${ms} ms\n`,
    );
    await etcd.restart(leader);
  }
}

async function run(engine: Engine, etcd: EtcdMembers | undefined): Promise<void> {
  const target = await startTarget();
  const nodes = await startNodes(["a", "b", "c"], engine);
  try {
    for (const name of ["m1", "m2", "m3"]) {
      const pushed = await nodes[0]!.api("/monitor", {
        method: "POST",
        body: moduleSource(name, target.url),
      });
      if (pushed.status !== 201) throw new Error(`push ${name}: ${JSON.stringify(pushed.body)}`);
    }
    if (kills.has("owners")) await killOwners(engine.name, nodes, target);
    if (etcd && kills.has("etcd-leader")) await killEtcdLeaders(nodes, etcd);
  } finally {
    await Promise.all(nodes.map((n) => n.dispose()));
    await target.close();
  }
}

// On etcd the "leader" of GET /cluster is the coordinating node (registered first; it balances).
const owners: Record<EngineName, Record<"leader" | "follower", string>> = {
  raft: { leader: "owner: the leader", follower: "owner: a follower" },
  etcd: { leader: "owner: the coordinator", follower: "owner: another node" },
};

const loadAtStart = load();
for (const name of engineNames(values.engine)) await withEngine(name, run);
const loadAtEnd = load();
const row = (engine: EngineName, label: string, ms: number[]) =>
  `| ${engine} | ${label} | ${ms.length} | ${median(ms)} | ${Math.max(...ms)} | ${[...ms].sort((a, b) => a - b).join(", ")} |`;
const rows = engineNames(values.engine).flatMap((engine) => {
  const of = (kills: Kill[]) =>
    results.filter((r) => r.engine === engine && kills.includes(r.kill)).map((r) => r.ms);
  return [
    ...(kills.has("owners")
      ? [
          ...(["leader", "follower"] as const).map((kill) => row(engine, owners[engine][kill], of([kill]))),
          row(engine, "owner: any", of(["leader", "follower"])),
        ]
      : []),
    ...(engine === "etcd" && kills.has("etcd-leader")
      ? [row(engine, "etcd leader member → first write", of(["etcd leader member"]))]
      : []),
  ];
});
process.stdout.write(
  [
    "",
    "| engine | kill -9 of | trials | median ms | max ms | all ms |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    machine(loadAtStart, loadAtEnd),
    "",
  ].join("\n"),
);
