// Failover measurement: three real amstaff-server processes on loopback, one module per node; each trial
// kills (SIGKILL) the owner of a module and measures the time until the first probe of that module's
// target by another node, then restarts the killed node and waits until the cluster is balanced again.
// Prints a markdown table. Not part of `pnpm test`. Build first, then:
//   npx -y pnpm@12.21.0 run build && npx -y pnpm@12.21.0 run failover -- --trials 10
import { parseArgs } from "node:util";
import { startReceiver, startTarget } from "../test/localServers.js";
import { eventually, startCluster } from "../test/serverProcess.js";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: { trials: { type: "string", default: "10" } },
});

const moduleSource = (
  name: string,
  targetUrl: string,
  hookUrl: string,
) => `import { amstaff, every, secret } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("${name}", (m) => {
  m.monitor("health", {
    sampler: httpGet({ url: "${targetUrl}/${name}", headers: { "x-prober": secret("PROBER") } }),
    timing: every("1s"),
    handlers: [webhook({ url: "${hookUrl}/hook" })],
  });
});
`;

interface View {
  leader: string | null;
  members: { id: string; health: string; modules: string[] }[];
}

const target = await startTarget();
const receiver = await startReceiver();
const nodes = await startCluster();
const all = [...nodes.values()];
const results: { role: string; ms: number }[] = [];
try {
  for (const name of ["m1", "m2", "m3"]) {
    await all[0]!.api("/monitor", { method: "POST", body: moduleSource(name, target.url, receiver.url) });
  }
  const balanced = () =>
    eventually(
      async () => {
        for (const node of all) {
          if (!node.running) continue;
          const { status, body } = await node.api("/cluster").catch(() => ({ status: 0, body: undefined }));
          const v = body as View | undefined;
          if (status === 200 && v?.members.every((m) => m.health === "up" && m.modules.length === 1))
            return v;
        }
        return undefined;
      },
      60_000,
      "balanced",
    );
  for (let trial = 1; trial <= Number(values.trials); trial++) {
    const view = await balanced();
    // Alternate: kill the leader on odd trials, a follower on even ones.
    const victimId = trial % 2 === 1 ? view.leader! : view.members.find((m) => m.id !== view.leader)!.id;
    const module = view.members.find((m) => m.id === victimId)!.modules[0]!;
    const victim = nodes.get(victimId)!;
    const killedAt = Date.now();
    await victim.stop("SIGKILL");
    const resumed = await eventually(
      () => target.probes.find((p) => p.path === `/${module}` && p.at > killedAt && p.node !== victimId),
      30_000,
      "resumed",
    );
    const role = trial % 2 === 1 ? "leader" : "follower";
    results.push({ role, ms: resumed.at - killedAt });
    process.stdout.write(
      `trial ${trial}: killed ${role} ${victimId}, ${module} resumed on ${resumed.node} after ${resumed.at - killedAt} ms\n`,
    );
    await victim.start();
  }
  const stats = (ms: number[]) => {
    const sorted = [...ms].sort((a, b) => a - b);
    const median =
      sorted.length % 2
        ? sorted[(sorted.length - 1) / 2]!
        : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
    return `${median} | ${sorted.at(-1)} | ${sorted.join(", ")}`;
  };
  process.stdout.write(
    [
      "",
      "| owner killed | trials | median ms | max ms | all ms |",
      "|---|---|---|---|---|",
      ...["leader", "follower"].map((role) => {
        const ms = results.filter((r) => r.role === role).map((r) => r.ms);
        return `| ${role} | ${ms.length} | ${stats(ms)} |`;
      }),
      `| any | ${results.length} | ${stats(results.map((r) => r.ms))} |`,
      "",
    ].join("\n"),
  );
} finally {
  await Promise.all(all.map((n) => n[Symbol.asyncDispose]()));
  await target[Symbol.asyncDispose]();
  await receiver[Symbol.asyncDispose]();
}
