import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { BodyPattern } from "./bodyPattern.js";

/** How long an idle matching thread is kept before it is stopped. */
const idleMs = 30_000;
/** Memory a matching thread may use: the body is outside this (an ArrayBuffer), RE2's DFA cache is inside. */
const maxHeapMb = 256;
/** Compiled patterns a matching thread keeps, the least recently used dropped first. */
const cachedPatterns = 256;
/**
 * The nice value of a matching thread on Linux: when cores are scarce the event loop (health checks,
 * schedules, the API) runs first and matching waits. Linux applies `setpriority(PRIO_PROCESS, 0)` to the
 * calling thread only; elsewhere it would lower the whole process, so it is done on Linux alone.
 */
const matchingNice = 10;

// The thread's code is a string (a CommonJS script) so that it runs the same from `src` and from `dist`,
// with no second entry point for bundlers to miss; it loads re2js from this package's own dependencies.
const workerSource = (re2jsPath: string, lowerPriority: boolean) => `
const { parentPort } = require("node:worker_threads");
if (${lowerPriority}) {
  try {
    require("node:os").setPriority(0, ${matchingNice});
  } catch {}
}
const { RE2JS } = require(${JSON.stringify(re2jsPath)});
const cache = new Map();
parentPort.on("message", ({ id, source, flags, body }) => {
  try {
    const key = flags + "/" + source;
    let pattern = cache.get(key);
    if (pattern === undefined) {
      pattern = RE2JS.compile(source, flags);
      if (cache.size >= ${cachedPatterns}) cache.delete(cache.keys().next().value);
    } else {
      cache.delete(key);
    }
    cache.set(key, pattern);
    parentPort.postMessage({ id, matched: pattern.test(body) });
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
`;

interface Job {
  id: number;
  pattern: BodyPattern;
  body: Uint8Array;
  move: boolean;
  signal: AbortSignal;
  resolve: (matched: boolean) => void;
  reject: (error: unknown) => void;
  onAbort: () => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
  idleTimer: NodeJS.Timeout | undefined;
}

/**
 * Matches bodies against RE2 patterns on a few worker threads, so that no pattern and no body, however
 * large, ever blocks the event loop of the process that probes. A match whose signal aborts (the probe's
 * deadline) stops at once: its thread is terminated and replaced.
 */
class PatternMatcher {
  readonly #size: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #nextId = 1;
  #script: string | undefined;

  constructor(size: number) {
    this.#size = size;
  }

  match(pattern: BodyPattern, body: Uint8Array, signal: AbortSignal, move: boolean): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const job: Job = {
        id: this.#nextId++,
        pattern,
        body,
        move,
        signal,
        resolve,
        reject,
        onAbort: () => this.#abort(job),
      };
      signal.addEventListener("abort", job.onAbort, { once: true });
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let slot = this.#slots.find((s) => s.job === undefined);
      if (slot === undefined) {
        if (this.#slots.length >= this.#size) return;
        try {
          slot = this.#spawn();
        } catch (error) {
          for (const job of this.#queue.splice(0)) this.#settle(job, () => job.reject(error));
          return;
        }
      }
      const job = this.#queue.shift() as Job;
      clearTimeout(slot.idleTimer);
      slot.job = job;
      // Busy, the thread keeps the process alive like the request before it did; idle, it never does.
      slot.worker.ref();
      // A body given up by its caller that owns its whole ArrayBuffer moves without a copy; a slice of a
      // shared (pooled) one is copied, since moving it would take the other slices with it.
      const movable =
        job.move &&
        job.body.buffer instanceof ArrayBuffer &&
        job.body.byteOffset === 0 &&
        job.body.byteLength === job.body.buffer.byteLength;
      const body = movable ? (job.body as Uint8Array<ArrayBuffer>) : new Uint8Array(job.body);
      const { source, flags } = job.pattern;
      try {
        slot.worker.postMessage({ id: job.id, source, flags, body }, [body.buffer]);
      } catch {
        // Node marks some buffers untransferable; a copy always moves.
        const copy = new Uint8Array(job.body);
        slot.worker.postMessage({ id: job.id, source, flags, body: copy }, [copy.buffer]);
      }
    }
  }

  #spawn(): Slot {
    this.#script ??= workerSource(
      createRequire(import.meta.url).resolve("re2js"),
      process.platform === "linux",
    );
    const worker = new Worker(this.#script, {
      eval: true,
      resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    const slot: Slot = { worker, job: undefined, idleTimer: undefined };
    worker.on("message", (answer: { id: number; matched?: boolean; error?: string }) => {
      const job = slot.job;
      if (job === undefined || job.id !== answer.id) return;
      slot.job = undefined;
      worker.unref();
      this.#settle(job, () =>
        answer.error === undefined
          ? job.resolve(answer.matched === true)
          : job.reject(new Error(answer.error)),
      );
      slot.idleTimer = setTimeout(() => this.#retire(slot), idleMs).unref();
      this.#dispatch();
    });
    worker.on("error", (error) => this.#lost(slot, error));
    worker.on("exit", () => this.#lost(slot, new Error("the matching thread stopped")));
    this.#slots.push(slot);
    return slot;
  }

  #settle(job: Job, settle: () => void): void {
    job.signal.removeEventListener("abort", job.onAbort);
    settle();
  }

  #abort(job: Job): void {
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      job.reject(job.signal.reason);
      return;
    }
    const slot = this.#slots.find((s) => s.job === job);
    if (slot === undefined) return;
    slot.job = undefined;
    this.#retire(slot);
    job.reject(job.signal.reason);
    this.#dispatch();
  }

  #retire(slot: Slot): void {
    const index = this.#slots.indexOf(slot);
    if (index < 0) return;
    this.#slots.splice(index, 1);
    clearTimeout(slot.idleTimer);
    void slot.worker.terminate();
  }

  #lost(slot: Slot, error: Error): void {
    if (!this.#slots.includes(slot)) return;
    const job = slot.job;
    slot.job = undefined;
    this.#retire(slot);
    if (job !== undefined) {
      const reason =
        (error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY"
          ? new Error(`matching ran out of memory (over ${maxHeapMb} MB)`)
          : error;
      this.#settle(job, () => job.reject(reason));
    }
    this.#dispatch();
  }

  /** How many threads are running, for tests. */
  get threads(): number {
    return this.#slots.length;
  }
}

let shared: PatternMatcher | undefined;

/** The matcher every HTTP sampler of the process shares: one thread per core, at least two (so one slow pattern never holds up every other), at most four. */
function sharedMatcher(): PatternMatcher {
  shared ??= new PatternMatcher(Math.min(4, Math.max(2, availableParallelism())));
  return shared;
}

/**
 * Whether `body` (UTF-8 bytes) contains a match of `pattern`, decided on a worker thread in time linear in
 * the body's length. Rejects with `signal.reason` when the signal aborts first, stopping the match.
 * With `move`, a body that owns its whole `ArrayBuffer` is moved to the thread rather than copied, and is
 * empty here afterwards.
 */
export function matchPattern(
  pattern: BodyPattern,
  body: Uint8Array,
  signal: AbortSignal,
  move = false,
): Promise<boolean> {
  return sharedMatcher().match(pattern, body, signal, move);
}

/** How many matching threads are running now (they stop after 30 s idle). */
export function matchingThreads(): number {
  return shared?.threads ?? 0;
}
