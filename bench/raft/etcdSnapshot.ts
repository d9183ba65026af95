// The etcd engine's part of `raft:snapshot` (`--engine etcd`): one EtcdLog node over the same
// 50,000-monitor state, on a fresh single-member etcd (Debian's etcd-server; one member so that the
// machine's two cores go to the node being measured), fed `--writes` transitions 100 at a time, with the
// node's own upkeep every second as on a server. Per configuration: snapshots encoded, event-loop delay
// p50/p99/max, write p99, writes/s, and the longest encode, during which the node applies nothing.
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import { EtcdLog } from "../../packages/server/src/cluster/etcd/etcdLog.ts";
import type { Command } from "../../packages/server/src/state/commands.ts";
import type { StateMachine } from "../../packages/server/src/state/stateMachine.ts";
import { EtcdMembers } from "../cluster/etcd.ts";
import { buildState, f, type SnapshotRun, streamWrites } from "./snapshotLoad.ts";

/** The log's warnings and errors on stderr (a failed upkeep round would explain a missing snapshot). */
const logger = {
  warn: (details: unknown, message: string) =>
    process.stderr.write(`${message} ${JSON.stringify(details)}\n`),
  error: (details: unknown, message: string) =>
    process.stderr.write(`${message} ${JSON.stringify(details)}\n`),
  info: () => undefined,
  debug: () => undefined,
} as unknown as Logger;

/**
 * Counts and times the machine's encodes: whichever the log calls (`snapshot()` on the engine before
 * issue 20, `snapshotInSlices()` now), and a blocking run makes the latter encode in one go.
 */
function timeEncodes(machine: StateMachine, blocking: boolean) {
  const times = { encodes: 0, longestMs: 0 };
  const whole = machine.snapshot.bind(machine);
  const slices = machine.snapshotInSlices.bind(machine);
  const timed = <T>(started: number, data: T) => {
    times.encodes++;
    times.longestMs = Math.max(times.longestMs, performance.now() - started);
    return data;
  };
  machine.snapshot = () => timed(performance.now(), whole());
  machine.snapshotInSlices = blocking
    ? async () => machine.snapshot()
    : async () => {
        const started = performance.now();
        return timed(started, await slices());
      };
  return times;
}

async function etcdRun(endpoints: string[], prefix: string, run: SnapshotRun, opts: EtcdRunsOptions) {
  // A fresh state each run: the writes of one run would make the next one's state larger.
  const { machine, monitors } = buildState(opts.modules, opts.perModule);
  const times = timeEncodes(machine, run.blocking);
  const log = await EtcdLog.open({ endpoints, prefix, nodeId: "a", machine, logger, ...run.options });
  const result = await streamWrites(opts.writes, monitors, (command) => log.propose(command as Command));
  await log.close();
  return `| ${run.label} | ${times.encodes} | ${f(result.p50)} | ${f(result.p99)} | ${f(result.max)} | ${f(result.gcMs)} | ${f(result.writeP99)} | ${result.perSecond.toFixed(0)} | ${times.encodes > 0 ? f(times.longestMs) : "—"} |`;
}

/** What `--engine etcd` runs. */
export interface EtcdRunsOptions {
  modules: number;
  perModule: number;
  writes: number;
  runs: SnapshotRun[];
}

/** Runs each configuration on a fresh etcd prefix and prints the table. */
export async function etcdRuns(opts: EtcdRunsOptions): Promise<void> {
  const etcd = await EtcdMembers.start(1);
  try {
    process.stdout.write(
      `load average ${loadavg()[0]!.toFixed(1)}; ${(opts.modules * opts.perModule).toLocaleString()} monitors on etcd (1 member)\n\n`,
    );
    const rows: string[] = [];
    for (const [n, run] of opts.runs.entries()) {
      rows.push(await etcdRun(etcd.endpoints, `/bench-snapshot-${process.pid}-${n}`, run, opts));
    }
    process.stdout.write(
      [
        `| one etcd node, ${opts.writes.toLocaleString()} writes | snapshots | loop delay p50 ms | p99 ms | max ms | longest GC pause ms | write p99 ms | writes/s | applying held, longest ms |`,
        "|---|---|---|---|---|---|---|---|---|",
        ...rows,
        "",
        `load average ${loadavg()[0]!.toFixed(1)} at the end`,
        "",
      ].join("\n"),
    );
  } finally {
    await etcd.stop();
  }
}
