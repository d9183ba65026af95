import { describeError } from "./errors.js";
import { formatIssues } from "./plugin.js";
import { type SampleResult, sampleResultSchema, wellFormedResult } from "./sampleResult.js";
import type { Sampler } from "./sampler.js";

/** Options of {@link runProbe}. */
export interface RunProbeOptions {
  /** How long the probe may take before it is abandoned as `unknown`. */
  timeoutMs: number;
  /** Aborts the probe early, e.g. on shutdown. */
  signal?: AbortSignal | undefined;
  /**
   * The controller whose signal the sampler gets, instead of one of the probe's own joined to `signal`:
   * aborting it aborts the probe, and the probe aborts it when it times out (so `signal.aborted` after
   * the probe does not tell who aborted). One `AbortController` per probe instead of two, for a caller
   * that makes one per probe anyway. `signal` is ignored when it is given.
   */
  controller?: AbortController | undefined;
  /** The clock. @default Date.now */
  now?: () => number;
}

/**
 * Probes a sampler the way the server does: bounded by a timeout, with every failure of the sampler
 * itself (a throw, a hang, a malformed result) turned into an `unknown` result instead of an exception.
 * Never throws.
 */
export function runProbe(sampler: Sampler, options: RunProbeOptions): Promise<SampleResult> {
  const now = options.now ?? Date.now;
  const given = options.controller;
  const signal = given?.signal ?? options.signal;
  if (signal?.aborted) return Promise.resolve(unknownResult(`${sampler.name}: probe aborted`, now, now()));
  return new Promise<SampleResult>((resolve) => new ProbeRun(sampler, options, now, given, signal, resolve));
}

const unknownResult = (message: string, now: () => number, started: number): SampleResult => ({
  status: "unknown",
  message,
  durationMs: Math.max(0, now() - started),
  timestamp: started,
});

/**
 * One {@link runProbe}, settled by whichever of the sampler, the timer and the caller comes first. The
 * server runs thousands a second, each alive as long as its probe: one object that is the timer's
 * argument and the caller's listener (`handleEvent`), rather than a closure for each of them and for
 * every way the probe ends.
 */
class ProbeRun {
  readonly #sampler: Sampler;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #started: number;
  readonly #given: AbortController | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #controller: AbortController;
  readonly #resolve: (result: SampleResult) => void;
  readonly #timer: ReturnType<typeof setTimeout>;
  #settled = false;

  constructor(
    sampler: Sampler,
    options: RunProbeOptions,
    now: () => number,
    given: AbortController | undefined,
    signal: AbortSignal | undefined,
    resolve: (result: SampleResult) => void,
  ) {
    this.#sampler = sampler;
    this.#timeoutMs = options.timeoutMs;
    this.#now = now;
    this.#started = now();
    this.#given = given;
    this.#signal = signal;
    this.#controller = given ?? new AbortController();
    this.#resolve = resolve;
    this.#timer = setTimeout(expire, options.timeoutMs, this);
    signal?.addEventListener("abort", this, { once: true });
    try {
      Promise.resolve(sampler.probe({ signal: this.#controller.signal })).then(
        (value) => this.#settle(wellFormedResult(value) ?? this.#malformed(value)),
        (error: unknown) => this.failed(error),
      );
    } catch (error) {
      this.failed(error);
    }
  }

  #unknown(message: string): SampleResult {
    return unknownResult(message, this.#now, this.#started);
  }

  #settle(result: SampleResult): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#signal?.removeEventListener("abort", this);
    this.#resolve(result);
  }

  failed(error: unknown): void {
    this.#settle(this.#unknown(`${this.#sampler.name}: the sampler failed: ${describeError(error)}`));
  }

  /** The caller aborted (an `EventListener` object's method). */
  handleEvent(): void {
    this.#settle(this.#unknown(`${this.#sampler.name}: probe aborted`));
    if (this.#controller !== this.#given) this.#controller.abort(this.#signal?.reason);
  }

  expire(): void {
    this.#settle(
      this.#unknown(`${this.#sampler.name}: no answer within ${this.#timeoutMs} ms (probe timed out)`),
    );
    this.#controller.abort(new Error("probe timed out"));
  }

  #malformed(value: unknown): SampleResult {
    const parsed = sampleResultSchema.safeParse(value);
    // The fast check rejects a little more than the schema (deeply nested details): the schema decides.
    if (parsed.success) return parsed.data as SampleResult;
    return this.#unknown(
      `${this.#sampler.name}: the sampler returned a malformed result (${formatIssues(parsed.error.issues)})`,
    );
  }
}

const expire = (run: ProbeRun) => run.expire();

/** A probe's own time limit joined with its caller's signal; see {@link probeDeadline}. */
export interface ProbeDeadline {
  /** Aborts when the time limit passes or the caller aborts, whichever comes first. */
  readonly signal: AbortSignal;
  /** Whether it was the time limit (not the caller) that aborted. */
  readonly timedOut: boolean;
  /**
   * Calls `abort` with the reason when the deadline passes or the caller aborts (at once if either
   * happened already), instead of the I/O listening to {@link signal}: a client that takes an abort
   * function (undici's dispatch handlers) then needs no `AbortController` per probe. One at a time: a
   * later call replaces the function, `undefined` removes it.
   */
  onAbort(abort: ((reason: unknown) => void) | undefined): void;
  /** Stops the timer and stops listening to the caller: call it once the probe is done. */
  dispose(): void;
}

/**
 * A deadline whose `AbortController` is made only when its {@link ProbeDeadline.signal} is read: a sampler
 * that aborts its I/O through {@link ProbeDeadline.onAbort} allocates one timer and one listener per probe,
 * not a controller, its signal, the signal's listener table and the listener's record. At thousands of
 * probes a second those lived as long as the probe, and the probes under way at a young-generation GC
 * were promoted with them.
 */
class Deadline implements ProbeDeadline {
  readonly #parent: AbortSignal | undefined;
  readonly #message: string;
  readonly #timer: ReturnType<typeof setTimeout>;
  #controller: AbortController | undefined;
  #abort: ((reason: unknown) => void) | undefined;
  #aborted = false;
  #reason: unknown;
  #timedOut = false;

  constructor(timeoutMs: number, parent: AbortSignal | undefined, message: string) {
    this.#parent = parent;
    this.#message = message;
    // The deadline itself is the timer's argument and the caller's listener (`handleEvent`): no closures.
    this.#timer = setTimeout(expireDeadline, timeoutMs, this);
    parent?.addEventListener("abort", this, { once: true });
    if (parent?.aborted) this.handleEvent();
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  onAbort(abort: ((reason: unknown) => void) | undefined): void {
    this.#abort = abort;
    if (this.#aborted) abort?.(this.#reason);
  }

  /** The time limit passed. */
  expire(): void {
    this.#timedOut = true;
    this.fire(new Error(this.#message));
  }

  /** The caller aborted (an `EventListener` object's method). */
  handleEvent(): void {
    this.fire(this.#parent?.reason);
  }

  fire(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#abort?.(reason);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#parent?.removeEventListener("abort", this);
    this.#abort = undefined;
  }
}

const expireDeadline = (deadline: Deadline) => deadline.expire();

/**
 * The time limit a sampler puts on its own I/O, joined with the caller's signal (the server's shutdown,
 * `runProbe`'s timeout), so a sampler can say "no answer within 5000 ms" instead of "aborted".
 *
 * @example
 * ```ts
 * const deadline = probeDeadline(timeoutMs, context?.signal, `no answer within ${timeoutMs} ms`);
 * try {
 *   await request(url, { signal: deadline.signal });
 * } catch (error) {
 *   if (deadline.timedOut) return results.critical(`no answer within ${timeoutMs} ms`);
 *   throw error;
 * } finally {
 *   deadline.dispose();
 * }
 * ```
 */
export function probeDeadline(
  timeoutMs: number,
  parent: AbortSignal | undefined,
  message: string,
): ProbeDeadline {
  return new Deadline(timeoutMs, parent, message);
}
