import { readFileSync } from "node:fs";

// USER_HZ, the unit of the times in /proc/<pid>/stat: 100 on every architecture Node.js runs on (it is
// part of Linux's user-space ABI, whatever the kernel's own tick rate).
const ticksPerSecond = 100;

/**
 * A process' parent and the CPU time it has used so far (user and system, all its threads) in ms, with a
 * resolution of 10 ms, from `/proc/<pid>/stat`; undefined where `/proc` does not tell (not Linux, or the
 * process is gone).
 */
export function readProcStat(pid: number | undefined): { parent: number; cpuMs: number } | undefined {
  if (pid === undefined) return undefined;
  let stat: string;
  try {
    // A read of /proc is answered from the kernel's memory: no disk, so a synchronous read is cheap.
    stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself; the parent
  // is field 4, utime and stime are fields 14 and 15: the 2nd, 12th and 13th after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const parent = Number(fields[1]);
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks) || !Number.isInteger(parent)) return undefined;
  return { parent, cpuMs: (ticks * 1000) / ticksPerSecond };
}

/** The CPU time a process has used so far, in ms ({@link readProcStat}). */
export function processCpuMs(pid: number | undefined): number | undefined {
  return readProcStat(pid)?.cpuMs;
}

/** Whether this machine tells a process' CPU time ({@link processCpuMs}): Linux does, through `/proc`. */
export const cpuTimeReadable: boolean = processCpuMs(process.pid) !== undefined;

/**
 * Calls `over` once the process `pid` has used more than `limitMs` of CPU time from now on, checking
 * every few ms; returns the function that stops watching. Undefined where the CPU time cannot be read.
 */
export function watchCpuTime(
  pid: number | undefined,
  limitMs: number,
  over: () => void,
): (() => void) | undefined {
  const start = processCpuMs(pid);
  if (start === undefined) return undefined;
  // Often enough to overshoot the limit by little, seldom enough to cost nothing (one small read).
  const everyMs = Math.min(50, Math.max(10, Math.floor(limitMs / 10)));
  const timer = setInterval(() => {
    const now = processCpuMs(pid);
    if (now !== undefined && now - start > limitMs) {
      clearInterval(timer);
      over();
    }
  }, everyMs);
  return () => clearInterval(timer);
}
