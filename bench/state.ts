// A node's state built in process for the benchmarks that measure reads over it (`incidents`,
// `dashboard:overview`): commands applied straight to the state machine, as the log would apply them.
import { StateMachine } from "../packages/server/src/state/stateMachine.ts";

/**
 * A state machine and how to apply a command to it: each command gets the next log index, from
 * `firstIndex` (a state a Raft log then continues starts far above the log's own indexes, so that
 * transition ids never clash).
 */
export function benchState(firstIndex = 1) {
  const machine = new StateMachine();
  let index = firstIndex - 1;
  return {
    machine,
    /** Applies `command`; throws if the state machine refuses it. Returns its index. */
    apply(command: unknown): number {
      const result = machine.apply(command, ++index);
      if (!result.ok) throw new Error(`${JSON.stringify(command).slice(0, 200)}: ${result.reason}`);
      return index;
    },
  };
}

/**
 * The `module.put` command of a module of HTTP monitors (each against its own path of a closed port, a
 * webhook handler each), every `every`. Its index is the monitors' module version.
 */
export function benchModule(
  name: string,
  monitors: { name: string; tags: string[] }[],
  every: string,
  at: number,
) {
  return {
    type: "module.put",
    name,
    source: "// bench",
    definition: {
      name,
      monitors: monitors.map((monitor, i) => ({
        ...monitor,
        schedule: { kind: "interval", every },
        sampler: { plugin: "@amstaff/sampler-http", options: { url: `http://127.0.0.1:1/${name}/${i}` } },
        handlers: [{ plugin: "@amstaff/handler-webhook", options: { url: "http://127.0.0.1:2/hook" } }],
        consecutive: 1,
        timeoutMs: 10_000,
        unknown: "unknown",
        dependsOn: [],
      })),
      maintenance: [],
    },
    at,
  };
}
