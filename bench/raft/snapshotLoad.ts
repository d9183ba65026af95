// What the snapshot benchmarks (`raft:snapshot`, both engines) build and feed a node: a server state of
// `modules` × `perModule` HTTP monitors, each with its first transition, and a stream of transitions.
import { monitorEventLoopDelay, PerformanceObserver, performance } from "node:perf_hooks";
import type { SnapshotPolicyOptions } from "../../packages/raft/src/index.ts";
import { defaultSnapshotPolicy } from "../../packages/server/src/cluster/raftLog.ts";
import type { StateMachine } from "../../packages/server/src/state/stateMachine.ts";
import { benchModule, benchState } from "../state.ts";

// The state built outside the log starts far above the log's own indexes, so transition ids never clash.
const base = 10_000_000;

/** A monitor of the built state and the status its last transition left it in. */
export type Monitor = { module: string; monitor: string; version: number; status: string };

/** A state machine holding `modules` × `perModule` monitors, each with its first transition. */
export function buildState(
  modules: number,
  perModule: number,
): { machine: StateMachine; monitors: Monitor[] } {
  const { machine, apply } = benchState(base);
  const monitors: Monitor[] = [];
  for (let m = 0; m < modules; m++) {
    const module = `Service ${m}`;
    const definitions = Array.from({ length: perModule }, (_, i) => ({
      name: `Check ${i}`,
      tags: [`team${m % 10}`],
    }));
    const version = apply(benchModule(module, definitions, "30s", 1));
    for (const { name } of definitions) monitors.push({ module, monitor: name, version, status: "pending" });
  }
  for (const m of monitors) apply(transitionOf(m, "ok", nextAt()));
  return { machine, monitors };
}

let clock = 1_000;
/** The time of the next transition: later than every one before. */
export const nextAt = () => {
  clock += 10;
  return clock;
};

/** The `transition.record` command that moves `m` to `to` at `at` (and records it in `m`). */
export function transitionOf(m: Monitor, to: string, at: number) {
  const command = {
    type: "transition.record",
    module: m.module,
    monitor: m.monitor,
    moduleVersion: m.version,
    from: m.status,
    to,
    since: at,
    flapping: false,
    result: { status: to, message: `HTTP ${to === "ok" ? 200 : 503}`, durationMs: 5, timestamp: at },
    at,
  };
  m.status = to;
  return command;
}

/** A full collection, when Node runs with --expose-gc (the bench script's flag). */
export const fullGc = () => (globalThis as { gc?: () => void }).gc?.();

/** One decimal. */
export const f = (n: number) => n.toFixed(1);

/**
 * Proposes `writes` transitions through `propose`, 100 at a time, and measures the event loop's delay
 * over the window (`monitorEventLoopDelay`, 2 ms resolution), its longest GC pause and the writes' latency.
 */
export async function streamWrites(
  writes: number,
  monitors: Monitor[],
  propose: (command: unknown) => Promise<unknown>,
): Promise<{ p50: number; p99: number; max: number; gcMs: number; writeP99: number; perSecond: number }> {
  // The runs before left whole states behind: collect them now, not inside this run's window.
  fullGc();
  const latencies: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 2 });
  delay.enable();
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs = Math.max(gcMs, entry.duration);
  });
  gc.observe({ entryTypes: ["gc"] });
  const start = performance.now();
  for (let done = 0; done < writes; done += 100) {
    const batch = Array.from({ length: Math.min(100, writes - done) }, (_, i) => {
      const m = monitors[(done + i) % monitors.length]!;
      const command = transitionOf(m, m.status === "ok" ? "warning" : "ok", nextAt());
      const sent = performance.now();
      return propose(command).then(() => latencies.push(performance.now() - sent));
    });
    await Promise.all(batch);
  }
  const wallS = (performance.now() - start) / 1000;
  delay.disable();
  // GC entries are delivered on a later turn.
  await new Promise((resolve) => setImmediate(resolve));
  gc.disconnect();
  latencies.sort((a, b) => a - b);
  const ms = (ns: number) => ns / 1e6;
  return {
    p50: ms(delay.percentile(50)),
    p99: ms(delay.percentile(99)),
    max: ms(delay.max),
    gcMs,
    writeP99: latencies[Math.floor(latencies.length * 0.99)]!,
    perSecond: writes / wallS,
  };
}

/** One configuration a node is measured with, on either engine. */
export interface SnapshotRun {
  /** What `--runs` names it by. */
  key: string;
  label: string;
  /** Encode with `snapshot()` in one go (and, on Raft, write in one piece), as before issue 20. */
  blocking: boolean;
  options: { snapshotEntries: number } | { snapshotPolicy: SnapshotPolicyOptions };
}

const never = { logSizeFactor: 1, minLogBytes: 2 ** 40, maxLogBytes: 2 ** 40 };

/** The configurations named in `keys` (`none`, `entries`, `policy`, `ceiling`), in this order. */
export function snapshotRuns(keys: string[]): SnapshotRun[] {
  const runs: SnapshotRun[] = [
    {
      key: "none",
      label: "no snapshot at all (baseline: applying alone)",
      blocking: false,
      options: { snapshotPolicy: never },
    },
    {
      key: "entries",
      label: "before: every 1000 entries, at once",
      blocking: true,
      options: { snapshotEntries: 1000 },
    },
    {
      key: "policy",
      label: "after: server policy (×1, 4–32 MiB), slices",
      blocking: false,
      options: { snapshotPolicy: defaultSnapshotPolicy },
    },
    {
      key: "ceiling",
      label: "after, ceiling 2 MiB (a snapshot in the window)",
      blocking: false,
      options: { snapshotPolicy: { ...defaultSnapshotPolicy, minLogBytes: 0, maxLogBytes: 2 << 20 } },
    },
  ];
  for (const key of keys) {
    if (!runs.some((run) => run.key === key))
      throw new Error(`--runs: "${key}" is not one of none,entries,policy,ceiling`);
  }
  return runs.filter((run) => keys.includes(run.key));
}
