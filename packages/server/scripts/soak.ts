// Cluster soak: three real amstaff-server processes on loopback; every few seconds one node is killed
// with SIGKILL or the killed one restarted (never two down: a majority stays up), targets flip between
// healthy and failing, and new modules are pushed. At the end it checks that
//   - no acknowledged module push was lost (every node has every module, read with ?consistent=true),
//   - no monitor stayed unsampled longer than its interval plus the failover bound,
//   - no transition was notified twice, and every committed delivery was received.
// Not part of `pnpm test`. Build first, then:
//   npx -y pnpm@12.21.0 run build && npx -y pnpm@12.21.0 run soak -- --minutes 5
import { parseArgs } from "node:util";
import { proberModuleSource as moduleSource, startReceiver, startTarget } from "../test/localServers.js";
import { eventually, type ServerProcess, startCluster } from "../test/serverProcess.js";

const { values } = parseArgs({
  // pnpm passes a "--" through: skip it.
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    minutes: { type: "string", default: "3" },
    modules: { type: "string", default: "6" },
    "every-ms": { type: "string", default: "4000" },
    seed: { type: "string", default: String(Date.now() % 100_000) },
  },
});
const minutes = Number(values.minutes);
const everyMs = Number(values["every-ms"]);
/** Documented failover bound (README): reassignment delay + election + a balancing round + slack. */
const failoverBoundMs = 5_000;
const intervalMs = 1_000;

let seed = Number(values.seed);
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;

const log = (text: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);

const target = await startTarget();
const receiver = await startReceiver();
const nodes = await startCluster();
const all = [...nodes.values()];
const up = () => all.filter((n) => n.running);
const pushed = new Set<string>();
let pushes = 0;
let failedPushes = 0;
let kills = 0;
let flips = 0;

async function push(name: string): Promise<void> {
  const via = pick(up());
  try {
    const { status } = await via.api("/monitor", {
      method: "POST",
      body: moduleSource(name, target.url, receiver.url),
    });
    if (status === 200 || status === 201) pushed.add(name);
    else failedPushes++;
  } catch {
    failedPushes++; // outcome unknown: not counted as acknowledged
  }
  pushes++;
}

try {
  for (let i = 1; i <= Number(values.modules); i++) await push(`m${i}`);
  log(`cluster up, ${pushed.size} modules pushed; soaking for ${minutes} min (seed ${values.seed})`);
  const end = Date.now() + minutes * 60_000;
  let next = pushed.size + 1;
  while (Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, everyMs / 2 + random() * everyMs));
    const down = all.filter((n) => !n.running);
    const roll = random();
    if (down.length > 0 && roll < 0.5) {
      const node = down[0]!;
      await node.start();
      log(`restarted ${node.url}`);
    } else if (down.length === 0 && roll < 0.6) {
      const node = pick(up());
      await node.stop("SIGKILL");
      kills++;
      log(`kill -9 ${node.url}`);
    } else if (roll < 0.8) {
      const path = `/${pick([...pushed])}`;
      if (target.statusOf.has(path)) target.statusOf.delete(path);
      else target.statusOf.set(path, 500);
      flips++;
    } else {
      await push(`m${next++}`);
    }
  }

  // Settle: everyone up, targets healthy, deliveries done.
  for (const node of all) if (!node.running) await node.start();
  target.statusOf.clear();
  const settleFrom = Date.now();
  await eventually(
    async () => {
      const deliveries = (await all[0]!.api("/deliveries?consistent=true")).body as { status: string }[];
      const monitors = (await all[0]!.api("/monitors")).body as { status: string }[];
      return deliveries.every((d) => d.status === "delivered") && monitors.every((m) => m.status === "ok")
        ? true
        : undefined;
    },
    60_000,
    "deliveries settled and monitors ok",
  );
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const soakEnd = Date.now();

  const problems: string[] = [];
  // 1. No acknowledged push lost, on any node.
  for (const node of all) {
    const names = new Set(
      ((await node.api("/modules?consistent=true")).body as { name: string }[]).map((m) => m.name),
    );
    for (const name of pushed) if (!names.has(name)) problems.push(`${node.url} lost module ${name}`);
  }
  // 2. Sampling gaps.
  let worstGap = 0;
  let worstPath = "";
  for (const name of pushed) {
    const probes = target.probes.filter((p) => p.path === `/${name}` && p.at < settleFrom).map((p) => p.at);
    for (let i = 1; i < probes.length; i++) {
      const gap = probes[i]! - probes[i - 1]!;
      if (gap > worstGap) {
        worstGap = gap;
        worstPath = name;
      }
    }
  }
  if (worstGap > intervalMs + failoverBoundMs) {
    problems.push(
      `${worstPath} went ${worstGap} ms without a sample (bound ${intervalMs + failoverBoundMs} ms)`,
    );
  }
  // 3. Notifications: each committed delivery received exactly once.
  const keys = receiver.received.map((r) => String(r.headers["idempotency-key"]));
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  const duplicates = [...counts].filter(([, n]) => n > 1);
  for (const [key, n] of duplicates) problems.push(`delivery ${key} received ${n} times`);
  const committed = (await all[0]!.api("/deliveries?consistent=true")).body as { id: string }[];
  const missing = committed.filter((d) => !counts.has(d.id));
  for (const d of missing) problems.push(`delivery ${d.id} committed but never received`);

  const table = [
    "| minutes | kill -9 | target flips | pushes (acknowledged) | notifications | duplicates | lost | worst sampling gap ms |",
    "|---|---|---|---|---|---|---|---|",
    `| ${minutes} | ${kills} | ${flips} | ${pushes} (${pushed.size}) | ${keys.length} | ${duplicates.length} | ${missing.length} | ${worstGap} (${worstPath}) |`,
  ].join("\n");
  process.stdout.write(
    `\n${table}\n\n(ran until ${new Date(soakEnd).toISOString()}, ${failedPushes} pushes refused or unknown during failovers)\n`,
  );
  if (problems.length > 0) {
    process.stdout.write(`\nFAILED:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(
      "\nOK: no lost module, no gap beyond the bound, no duplicate or lost notification\n",
    );
  }
} finally {
  await Promise.all(all.map((n: ServerProcess) => n[Symbol.asyncDispose]()));
  await target[Symbol.asyncDispose]();
  await receiver[Symbol.asyncDispose]();
}
