import { readdirSync, readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { describe, expect, it } from "vitest";
import { type BodyPattern, compileBodyPattern } from "./bodyPattern.js";
import { matchingThreads, matchPattern } from "./patternMatcher.js";

function compiled(source: string): BodyPattern {
  const pattern = compileBodyPattern(source);
  if (typeof pattern === "string") throw new Error(pattern);
  return pattern;
}

/** 1 MiB of random a/b: RE2 cannot use its DFA on `[ab]*a[ab]{1000}$` here, and takes tens of seconds. */
function randomAb(bytes: number): Buffer {
  const body = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) body[i] = Math.random() < 0.5 ? 0x61 : 0x62;
  return body;
}

describe("matchPattern", () => {
  it("matches off the main thread: a slow match neither blocks the event loop nor other matches, and its deadline stops it", async () => {
    const deadline = new AbortController();
    let settled = false;
    const slow = matchPattern(compiled("[ab]*a[ab]{1000}$"), randomAb(1024 * 1024), deadline.signal).finally(
      () => {
        settled = true;
      },
    );
    // While the slow match runs on one thread, timers fire here and another match is decided on another.
    let ticks = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        ticks += 1;
        if (ticks === 20) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    expect(await matchPattern(compiled("ok"), Buffer.from("all ok"), new AbortController().signal)).toBe(
      true,
    );
    expect(settled).toBe(false);

    const threads = matchingThreads();
    deadline.abort(new Error("probe deadline"));
    await expect(slow).rejects.toThrow("probe deadline");
    expect(matchingThreads()).toBe(threads - 1);
    // The stopped thread is replaced on demand.
    expect(await matchPattern(compiled("b$"), Buffer.from("ab"), new AbortController().signal)).toBe(true);
  });

  it("rejects at once when the signal has already aborted", async () => {
    const aborted = AbortSignal.abort(new Error("too late"));
    await expect(matchPattern(compiled("x"), Buffer.from("x"), aborted)).rejects.toThrow("too late");
  });

  it("drops a queued match whose signal aborts before a thread is free", async () => {
    const hold = new AbortController();
    const body = randomAb(256 * 1024);
    const busy = [1, 2, 3, 4].map(() =>
      matchPattern(compiled("[ab]*a[ab]{1000}$"), body, hold.signal).catch((error: unknown) => error),
    );
    const queued = new AbortController();
    const waiting = matchPattern(compiled("a"), Buffer.from("a"), queued.signal);
    queued.abort(new Error("gave up waiting"));
    await expect(waiting).rejects.toThrow("gave up waiting");
    hold.abort(new Error("done"));
    for (const outcome of await Promise.all(busy)) expect(String(outcome)).toContain("done");
  });

  it("reports a pattern the thread cannot compile (validation bypassed) as an error, not a hang", async () => {
    const broken: BodyPattern = { source: "(a)\\1", flags: 0, shown: "/(a)\\1/" };
    await expect(matchPattern(broken, Buffer.from("aa"), new AbortController().signal)).rejects.toThrow(
      /invalid escape sequence/,
    );
  });

  it.runIf(process.platform === "linux")(
    "runs matching threads at a lower priority than the event loop, leaving the process's own alone",
    async () => {
      const before = getPriority();
      await matchPattern(compiled("a"), Buffer.from("a"), new AbortController().signal);
      expect(getPriority()).toBe(before);
      // Field 19 of /proc/<pid>/task/<tid>/stat is the thread's nice value (after the parenthesised name).
      const nices = readdirSync("/proc/self/task").map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
      });
      expect(nices).toContain(Math.min(19, before + 10));
    },
  );
});
