/**
 * `AMSTAFF_NODE_DEFAULTS`: `off` starts the node as it was started; the process started again carries
 * `applied`. Either value (any value) means: do not start again.
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
 */
export const defaultMallocEnv: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2" };

/** How to start this Node.js again with the defaults, from {@link nodeDefaults}. */
export interface NodeRestart {
  /** The whole command line: this Node.js, its flags, the script and its arguments, all as given. */
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * What this process lacks of {@link defaultMallocEnv}, as the command line and environment to start it
 * again with; `undefined` when it lacks nothing (a variable the operator set wins), was started again
 * already, or its operator turned the defaults off.
 */
export function nodeDefaults(
  current: Pick<NodeJS.Process, "execPath" | "execArgv" | "argv" | "env">,
): NodeRestart | undefined {
  const { env } = current;
  if (env[switchName]) return undefined;
  const missing = Object.entries(defaultMallocEnv).filter(([name]) => env[name] === undefined);
  if (missing.length === 0) return undefined;
  return {
    args: [current.execPath, ...current.execArgv, ...current.argv.slice(1)],
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
