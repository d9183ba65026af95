import { spawn } from "node:child_process";

/** One run of `ping`: what to ping and how. */
export interface PingRun {
  pingPath: string;
  host: string;
  family: "auto" | "ipv4" | "ipv6";
  count: number;
  intervalMs: number;
  timeoutMs: number;
  /** Stops the run (the result is then whatever ping had printed). */
  signal?: AbortSignal | undefined;
}

/** How a run of `ping` ended. */
export type PingExit =
  | { started: true; code: number | null; stdout: string; stderr: string; stopped: boolean }
  | { started: false; error: NodeJS.ErrnoException };

/** Output past this is not ping's summary of at most 100 packets: it is not read. */
const maxOutput = 64 * 1024;

/** Seconds as ping takes them, with at most three decimals. */
function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

/**
 * The arguments of a run. `-c` sends exactly `count` requests, and the run ends `timeout` after the last;
 * `-w` is left out on purpose: with it, iputils keeps sending past `count` until `count` replies come back,
 * which would change what "N pings" measure. {@link runPing} bounds the run itself instead.
 */
export function pingArguments(run: PingRun): string[] {
  return [
    ...(run.family === "ipv4" ? ["-4"] : run.family === "ipv6" ? ["-6"] : []),
    "-n",
    "-c",
    String(run.count),
    "-i",
    seconds(run.intervalMs),
    "-W",
    seconds(run.timeoutMs),
    run.host,
  ];
}

/**
 * Runs `ping` without a shell, in the C locale (so numbers read `0.035` and words are English), and
 * collects its output. If it outlives `(count - 1) × interval + timeout` plus a second of slack, or the signal
 * aborts, its process group gets SIGINT, on which ping prints its summary and exits; SIGKILL follows if it
 * does not.
 * Never rejects.
 */
export function runPing(run: PingRun): Promise<PingExit> {
  return new Promise((resolve) => {
    const child = spawn(run.pingPath, pingArguments(run), {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C", LANG: "C" },
      // Its own process group, so that a wrapper script and whatever it started are stopped together.
      detached: true,
    });
    const signalGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The group is gone already.
      }
    };
    let stdout = "";
    let stderr = "";
    let stopped = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (stdout.length < maxOutput) stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      if (stderr.length < maxOutput) stderr += chunk;
    });
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (stopped || child.exitCode !== null) return;
      stopped = true;
      signalGroup("SIGINT");
      killTimer = setTimeout(() => signalGroup("SIGKILL"), 1000);
    };
    const boundMs = (run.count - 1) * run.intervalMs + run.timeoutMs + 1000;
    const boundTimer = setTimeout(stop, boundMs);
    run.signal?.addEventListener("abort", stop, { once: true });
    if (run.signal?.aborted) stop();
    const finish = (exit: PingExit) => {
      clearTimeout(boundTimer);
      clearTimeout(killTimer);
      run.signal?.removeEventListener("abort", stop);
      resolve(exit);
    };
    // Whatever ping left behind would hold its output open, and "close" waits for that.
    child.once("exit", () => signalGroup("SIGKILL"));
    child.once("error", (error: NodeJS.ErrnoException) => finish({ started: false, error }));
    child.once("close", (code) => finish({ started: true, code, stdout, stderr, stopped }));
  });
}
