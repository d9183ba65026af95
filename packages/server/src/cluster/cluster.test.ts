import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryNetwork } from "@amstaff/raft/testing";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { put } from "../__tests__/fixtures.js";
import { ManualClock } from "../__tests__/manualClock.js";
import { StateMachine } from "../state/stateMachine.js";
import { Cluster } from "./cluster.js";
import { ClusterHttp } from "./clusterHttp.js";
import { RaftLog } from "./raftLog.js";
import { defaultClusterTiming, electionTicksOf, raftTickMs } from "./timing.js";

const { leaseMs, reassignAfterMs, electionTimeoutMs } = defaultClusterTiming;
const module = "User Service";
const logger = pino({ level: "silent" });
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Raft logs of `ids` over a memory network, their ticks and deadlines on `clock`. */
async function logs(clock: ManualClock, ids: string[], electionTicks: (id: string) => number) {
  const dir = mkdtempSync(join(tmpdir(), "amstaff-cluster-"));
  closers.push(() => rmSync(dir, { recursive: true, force: true }));
  const net = new MemoryNetwork();
  return Promise.all(
    ids.map(async (nodeId) => {
      const machine = new StateMachine();
      const log = await RaftLog.open({
        nodeId,
        path: join(dir, `${nodeId}.db`),
        machine,
        transport: net.transport(nodeId),
        initialMembers: ids,
        http: new ClusterHttp({ internalToken: "internal-token-for-tests" }),
        logger,
        tickMs: raftTickMs,
        electionTicks: electionTicks(nodeId),
        clock,
      });
      closers.push(() => log.close());
      return { log, machine };
    }),
  );
}

/** The cluster layer of node `nodeId` on `log`, its time on `clock`. */
function clusterOn(
  clock: ManualClock,
  nodeId: string,
  { log, machine }: { log: RaftLog; machine: StateMachine },
  isolated = () => false,
) {
  const cluster = new Cluster({
    nodeId,
    log,
    machine,
    clock,
    logger,
    internalToken: "internal-token-for-tests",
    http: new ClusterHttp({ internalToken: "internal-token-for-tests" }),
    apiUrl: `http://${nodeId}.invalid`,
    isolated,
  });
  closers.push(() => cluster.stop());
  return cluster;
}

/** Commits `command` on `log` while the clock moves on. */
async function commit(clock: ManualClock, log: RaftLog, command: Parameters<RaftLog["propose"]>[0]) {
  const applied = log.propose(command);
  await clock.advance(raftTickMs);
  expect((await applied).ok).toBe(true);
}

describe("Cluster on the injected clock", () => {
  it("stops running its modules when its lease runs out, leaseMs after its last renewal", async () => {
    const clock = new ManualClock();
    const [a] = await logs(clock, ["a"], () => electionTicksOf(undefined));
    let isolated = false;
    const cluster = clusterOn(clock, "a", a!, () => isolated);
    let changes = 0;
    cluster.onChange(() => changes++);
    cluster.start();
    const ready = cluster.ready(10_000);
    await clock.advance(2_000);
    expect(await ready).toBe(true);
    await commit(clock, a!.log, put());
    await clock.advance(200);
    expect(cluster.mayRun(module)).toBe(true);
    expect(cluster.fence(module)).toEqual({ owner: "a", token: expect.any(Number) });

    // Cut off, the node renews no more: its last renewal was sent less than one renewEveryMs ago.
    isolated = true;
    const before = changes;
    await clock.advance(leaseMs - defaultClusterTiming.renewEveryMs);
    expect(cluster.mayRun(module)).toBe(true);
    await clock.advance(defaultClusterTiming.renewEveryMs + 1);
    expect(cluster.mayRun(module)).toBe(false);
    expect(changes).toBeGreaterThan(before);

    // Back on the network, it renews and runs the module again.
    isolated = false;
    await clock.advance(200);
    expect(cluster.mayRun(module)).toBe(true);
  });

  it("moves a module away from a node that stopped renewing, reassignAfterMs after it last could have", async () => {
    const clock = new ManualClock();
    // b never times out first: a is elected, and b's cluster layer never renews (a stalled node).
    const [a, b] = await logs(clock, ["a", "b"], (id) => (id === "a" ? electionTicksOf(undefined) : 1_000));
    let electedAt: number | undefined;
    a!.log.raft.on("role", (role) => {
      if (role === "leader") electedAt = clock.now();
    });
    const cluster = clusterOn(clock, "a", a!);
    for (let i = 0; i < 20 && electedAt === undefined; i++) await clock.advance(raftTickMs);
    expect(electedAt).toBeDefined();
    await commit(clock, a!.log, put());
    await commit(clock, a!.log, {
      type: "ownership.grant",
      module,
      node: "b",
      handoff: false,
      at: clock.now(),
    });
    cluster.start();

    // A new leader counts every node as renewed electionTimeoutMs before its election (see Cluster).
    const reassignAt = electedAt! - electionTimeoutMs + reassignAfterMs;
    await clock.advance(reassignAt - clock.now() - 2 * raftTickMs);
    expect(a!.machine.grant(module)?.node).toBe("b");
    expect(b!.machine.grant(module)?.node).toBe("b");
    expect(cluster.mayRun(module)).toBe(false);

    await clock.advance(4 * raftTickMs);
    expect(a!.machine.grant(module)?.node).toBe("a");
    expect(cluster.mayRun(module)).toBe(true);
    expect(await cluster.clusterView()).toMatchObject({
      leader: "a",
      members: [
        { id: "a", health: "up", modules: [module] },
        { id: "b", health: "down", modules: [] },
      ],
    });
  });
});
