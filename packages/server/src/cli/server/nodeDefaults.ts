import { setFlagsFromString } from "node:v8";

/**
 * `AMSTAFF_NODE_DEFAULTS`: `off` starts the node as it was started, with V8's own settings; the process
 * started again carries `applied`. Either value (any value) means: do not start again.
 */
const switchName = "AMSTAFF_NODE_DEFAULTS";

/**
 * Settings of the C library a node runs with unless its operator sets them (README, "Memory"). glibc reads
 * them once, when the process starts: the node cannot set them for itself once running.
 *
 * `MALLOC_ARENA_MAX`: glibc gives threads that allocate at the same time arenas of their own, up to 8 per
 * core, and keeps what an arena once held for the life of the process: an idle node kept 8 of them with
 * ~54 MiB (V8's helper threads, the WAL checkpoint thread, and the compiler's thread, let go a minute after
 * a push). Two take ~17 MiB less at the same speed (bench/README.md, "Results: `memory`").
 *
 * `MALLOC_MMAP_THRESHOLD_`: glibc maps a block on its own from 128 KiB, but raises that bound to the size
 * of every such block freed (up to 32 MiB), and serves larger blocks from its heap from then on. A node
 * grows its per-monitor columns (the dashboard's rings, the uptime counters, the history's open buckets)
 * to up to 12 MiB each and frees the old ones, and copies its Raft snapshot (24 MiB at 50,000 monitors):
 * once raised, the freed copies stayed in the heap as holes (52–102 MiB of 168–208 at 50,000). Fixed at 1 MiB,
 * only blocks that big are mapped on their own, and those come a few times a minute at most; the smaller
 * ones that come more often (V8's microtask queue and compiler zones, SQLite's rows) stay in the heap.
 *
 * `MALLOC_TRIM_THRESHOLD_`: a fixed mmap threshold also fixes the trim threshold at 128 KiB, so that every
 * free leaving more at the heap's top gives it back, to be faulted in again by the next allocations: 8 MiB
 * keeps that churn away.
 */
export const defaultMallocEnv: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: "2",
  MALLOC_MMAP_THRESHOLD_: String(1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(8 * 1024 * 1024),
};

/**
 * Settings of V8 that it reads once, when the process starts: the node starts again with them on its
 * command line unless its operator gave them there or in `NODE_OPTIONS`.
 *
 * `--max-semi-space-size=16`: V8 grows each half of its young generation up to 64 MiB on a machine with a
 * few GiB, and a node that runs thousands of probes a second reaches that, so 128 MiB of its RSS were young
 * objects. What survives a young-generation GC is what probes under way hold (bytes per probe, not per
 * MiB of young generation), so 16 MiB halves take 96 MiB less for ~3 more scavenges a second at 50,000
 * monitors (bench/README.md, "The node's own sizing").
 */
export const defaultStartFlags: readonly string[] = ["--max-semi-space-size=16"];

/** How to start this Node.js again with the defaults, from {@link nodeDefaults}. */
export interface NodeRestart {
  /** The whole command line: this Node.js, the flags it lacked, its own flags, the script and its arguments. */
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** The name an argument `--name[=value]` gives, with `_` as `-` (as V8 and Node read them). */
const argName = (arg: string) => arg.replace(/^--/, "").replace(/=.*$/, "").replaceAll("_", "-");

/**
 * Those of `flags` the process was not given, on its command line or in `NODE_OPTIONS`: a flag counts as
 * given when its name appears, also turned off (`--no-name`, `--noname`).
 */
function lacking(flags: readonly string[], current: Pick<NodeJS.Process, "execArgv" | "env">): string[] {
  const given = [...current.execArgv, ...(current.env.NODE_OPTIONS?.split(/\s+/) ?? [])];
  const names = new Set(given.filter((arg) => arg.startsWith("--")).map(argName));
  return flags.filter((flag) => {
    const name = argName(flag).replace(/^no-/, "");
    return !names.has(name) && !names.has(`no-${name}`) && !names.has(`no${name}`);
  });
}

/**
 * What this process lacks of {@link defaultMallocEnv} and {@link defaultStartFlags}, as the command line and
 * environment to start it again with; `undefined` when it lacks nothing (what the operator set wins), was
 * started again already, or its operator turned the defaults off.
 */
export function nodeDefaults(
  current: Pick<NodeJS.Process, "execPath" | "execArgv" | "argv" | "env">,
): NodeRestart | undefined {
  const { env } = current;
  if (env[switchName]) return undefined;
  const missing = Object.entries(defaultMallocEnv).filter(([name]) => env[name] === undefined);
  const flags = lacking(defaultStartFlags, current);
  if (missing.length === 0 && flags.length === 0) return undefined;
  return {
    args: [current.execPath, ...flags, ...current.execArgv, ...current.argv.slice(1)],
    env: { ...env, ...Object.fromEntries(missing), [switchName]: "applied" },
  };
}

/**
 * Starts this process again, in place, with {@link nodeDefaults}: same PID, standard streams, flags and
 * environment, so exit codes and signals are the node's own. Returns only when there is nothing to do or
 * Node.js cannot (Windows, a Node.js without `process.execve`): the node then runs as it is.
 */
export function restartWithNodeDefaults(): void {
  const restart = nodeDefaults(process);
  if (restart === undefined || typeof process.execve !== "function") return;
  try {
    process.execve(restart.args[0]!, restart.args, restart.env);
  } catch {
    // execve(2) refused (a sandbox, a vanished binary): running without the defaults beats not running.
  }
}

/**
 * Settings of V8 that it reads as it runs: the node sets them at start unless its operator gave them on
 * Node's command line (the server's `--heap-growth` is applied after them, and wins).
 *
 * `--no-allocation-site-pretenuring`: V8 watches each place in the code that allocates objects, and when
 * 85 % of what one allocated in a while survived a young-generation GC while that generation was at its
 * largest, it allocates everything from there in the old generation from then on, for good. A node's probes
 * are short-lived, but when thousands are under way at once (after a stall, or against a slow target) the
 * places that allocate for them (undici's response header `Buffer`s, one per name and value) pass that test
 * once, and every probe after that left ~1.3–3.7 KiB in the old generation, dead at once: the old generation
 * then filled ~10× as fast, and a node with a tight `--heap-growth` spent its CPU marking
 * (bench/README.md, "What a probe promotes, and why").
 *
 * `--heap-growing-percent=30`: V8 otherwise lets the old generation grow to up to 4× what the last full GC
 * left live before it collects again, and keeps the pages it freed for the next growth: at 50,000 monitors,
 * 0.6–0.9 GiB of RSS. Now that probes leave next to nothing there, collecting at 1.3× what is live means a
 * full GC every ~25 s, and with the 16 MiB young halves a node holds ~420 MiB for ~7 points of a core more
 * (bench/README.md, "The node's own sizing").
 */
export const defaultV8Flags: readonly string[] = [
  "--no-allocation-site-pretenuring",
  "--heap-growing-percent=30",
];

/** What this process lacks of {@link defaultV8Flags}: none with `AMSTAFF_NODE_DEFAULTS=off`. */
export function v8Defaults(current: Pick<NodeJS.Process, "execArgv" | "env">): string[] {
  return current.env[switchName] === "off" ? [] : lacking(defaultV8Flags, current);
}

/**
 * Sets {@link v8Defaults} in this process' V8. V8 reads these when it collects, so setting them before the
 * server's modules are loaded holds for everything the node allocates.
 */
export function applyV8Defaults(): void {
  for (const flag of v8Defaults(process)) setFlagsFromString(flag);
}
