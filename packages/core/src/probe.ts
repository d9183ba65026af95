import { type Due, type DueList, dueListOf } from "./dueList.js";
import { describeError } from "./errors.js";
import { formatIssues } from "./plugin.js";
import { type SampleResult, sampleResultSchema, wellFormedResult } from "./sampleResult.js";
import type { ProbeContext, Sampler } from "./sampler.js";

/** Options of {@link runProbe}. */
export interface RunProbeOptions {
  /** How long the probe may take before it is abandoned as `unknown`. */
  timeoutMs: number;
  /** Aborts the probe early, e.g. on shutdown. */
  signal?: AbortSignal | undefined;
  /**
   * The controller the sampler is aborted through, instead of one of the probe's own joined to `signal`:
   * aborting it aborts the probe, and the probe aborts it when it times out (so `aborted` after the probe
   * does not tell who aborted). For a caller that makes one per probe anyway: a {@link ProbeController}
   * is itself the sampler's context, and makes no `AbortSignal` unless the sampler reads one; an
   * `AbortController`'s signal is handed to the sampler. `signal` is ignored when it is given.
   */
  controller?: ProbeController | AbortController | undefined;
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
  const aborted =
    given === undefined
      ? options.signal?.aborted
      : given instanceof ProbeController
        ? given.aborted
        : given.signal.aborted;
  if (aborted) return Promise.resolve(unknownResult(`${sampler.name}: probe aborted`, now, now()));
  return new Promise<SampleResult>((resolve) => new ProbeRun(sampler, options, now, resolve));
}

/** What a {@link ProbeController} tells when it aborts: a probe run, a sampler's deadline. */
interface AbortFollower {
  fire(reason: unknown): void;
}

/**
 * Aborts one probe, like an `AbortController`, and is the sampler's {@link ProbeContext} itself: its
 * `AbortSignal` is made only when a sampler reads `signal`. A sampler that hands it to
 * {@link probeDeadline} (rather than its `signal`) is followed without one: `runProbe` and the deadline
 * are told by a method call. An `AbortController` per probe is a controller, its signal, the signal's
 * listener table and a listener record for each follower: at thousands of probes a second they lived as
 * long as the probe, and those under way at a young-generation GC were promoted with them.
 */
export class ProbeController implements ProbeContext {
  #controller: AbortController | undefined;
  // Two followers at most in practice (runProbe's run and the sampler's deadline): two fields, no list.
  #first: AbortFollower | undefined;
  #second: AbortFollower | undefined;
  #more: AbortFollower[] | undefined;
  #aborted = false;
  #reason: unknown;

  /** An `AbortSignal` that follows this controller, made on first read. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Whether it was aborted. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** Why it was aborted, as `AbortSignal.reason`; `undefined` until then. */
  get reason(): unknown {
    return this.#reason;
  }

  /** Aborts the probe (once; later calls do nothing), with `reason` as `AbortController.abort` does. */
  abort(reason: unknown = new DOMException("This operation was aborted", "AbortError")): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const first = this.#first;
    const second = this.#second;
    const more = this.#more;
    this.#first = undefined;
    this.#second = undefined;
    this.#more = undefined;
    first?.fire(reason);
    second?.fire(reason);
    if (more) for (const follower of more) follower.fire(reason);
  }

  /** Tells `follower` when this aborts: at once if it did already. */
  follow(follower: AbortFollower): void {
    if (this.#aborted) follower.fire(this.#reason);
    else if (this.#first === undefined) this.#first = follower;
    else if (this.#second === undefined) this.#second = follower;
    else if (this.#more === undefined) this.#more = [follower];
    else this.#more.push(follower);
  }

  /** Stops telling `follower`. */
  unfollow(follower: AbortFollower): void {
    if (this.#first === follower) this.#first = undefined;
    else if (this.#second === follower) this.#second = undefined;
    else if (this.#more) {
      const at = this.#more.indexOf(follower);
      if (at >= 0) this.#more.splice(at, 1);
    }
  }
}

const unknownResult = (message: string, now: () => number, started: number): SampleResult => ({
  status: "unknown",
  message,
  durationMs: Math.max(0, now() - started),
  timestamp: started,
});

/**
 * One {@link runProbe}, settled by whichever of the sampler, the time limit and the caller comes first. The
 * server runs thousands a second, each alive as long as its probe: one object that is on the time limit's
 * {@link DueList} and is the caller's listener, rather than a timer, a closure for each of them and one
 * for every way the probe ends.
 */
class ProbeRun implements AbortFollower, Due {
  dueAt = 0;
  dueList: DueList | undefined = undefined;
  previousDue: Due | undefined = undefined;
  nextDue: Due | undefined = undefined;
  readonly #sampler: Sampler;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #started: number;
  /** What the timeout aborts: the caller's controller, or the run's own. */
  readonly #aborter: ProbeController | AbortController;
  /** The signal listened to (the caller's), if any. */
  readonly #signal: AbortSignal | undefined;
  readonly #resolve: (result: SampleResult) => void;
  #settled = false;

  constructor(
    sampler: Sampler,
    options: RunProbeOptions,
    now: () => number,
    resolve: (result: SampleResult) => void,
  ) {
    this.#sampler = sampler;
    this.#timeoutMs = options.timeoutMs;
    this.#now = now;
    this.#started = now();
    this.#resolve = resolve;
    const given = options.controller;
    let context: ProbeContext;
    if (given instanceof AbortController) {
      this.#aborter = given;
      this.#signal = given.signal;
      context = { signal: given.signal };
    } else {
      const controller = given ?? new ProbeController();
      this.#aborter = controller;
      this.#signal = given === undefined ? options.signal : undefined;
      controller.follow(this);
      context = controller;
    }
    dueListOf(options.timeoutMs).add(this);
    this.#signal?.addEventListener("abort", this, { once: true });
    try {
      Promise.resolve(sampler.probe(context)).then(
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
    this.dueList?.remove(this);
    this.#signal?.removeEventListener("abort", this);
    this.#resolve(result);
  }

  failed(error: unknown): void {
    this.#settle(this.#unknown(`${this.#sampler.name}: the sampler failed: ${describeError(error)}`));
  }

  /** The caller's signal aborted (an `EventListener` object's method). */
  handleEvent(): void {
    const aborter = this.#aborter;
    if (aborter instanceof ProbeController) aborter.abort(this.#signal?.reason);
    else this.fire();
  }

  /** The probe was aborted. */
  fire(): void {
    this.#settle(this.#unknown(`${this.#sampler.name}: probe aborted`));
  }

  expire(): void {
    this.#settle(
      this.#unknown(`${this.#sampler.name}: no answer within ${this.#timeoutMs} ms (probe timed out)`),
    );
    this.#aborter.abort(new Error("probe timed out"));
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
 * A deadline is a {@link ProbeController} (its `AbortController` made only when its signal is read) on
 * its time limit's {@link DueList}: a sampler that aborts its I/O through {@link ProbeDeadline.onAbort} and
 * hands the deadline its context allocates this one object per probe, not a timer, a controller, its
 * signal, the signal's listener table and the listener's record. At thousands of probes a second those lived as long as the probe, and the probes
 * under way at a young-generation GC were promoted with them.
 */
class Deadline extends ProbeController implements ProbeDeadline, AbortFollower, Due {
  dueAt = 0;
  dueList: DueList | undefined = undefined;
  previousDue: Due | undefined = undefined;
  nextDue: Due | undefined = undefined;
  readonly #parent: AbortSignal | undefined;
  readonly #followed: ProbeController | undefined;
  readonly #message: string;
  #abort: ((reason: unknown) => void) | undefined;
  #timedOut = false;

  constructor(timeoutMs: number, parent: AbortSignal | ProbeContext | undefined, message: string) {
    super();
    this.#message = message;
    // The deadline itself is on the list of its time limit and the caller's listener (`handleEvent`).
    dueListOf(timeoutMs).add(this);
    if (parent instanceof ProbeController) {
      this.#followed = parent;
      parent.follow(this);
      return;
    }
    const signal = parent === undefined || parent instanceof AbortSignal ? parent : parent.signal;
    this.#parent = signal;
    signal?.addEventListener("abort", this, { once: true });
    if (signal?.aborted) this.handleEvent();
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  onAbort(abort: ((reason: unknown) => void) | undefined): void {
    this.#abort = abort;
    if (this.aborted) abort?.(this.reason);
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
    if (this.aborted) return;
    this.abort(reason);
    this.#abort?.(this.reason);
  }

  dispose(): void {
    this.dueList?.remove(this);
    this.#parent?.removeEventListener("abort", this);
    this.#followed?.unfollow(this);
    this.#abort = undefined;
  }
}

/**
 * The time limit a sampler puts on its own I/O, joined with the caller's abort (the server's shutdown,
 * `runProbe`'s timeout), so a sampler can say "no answer within 5000 ms" instead of "aborted".
 *
 * `parent` is the probe's context (or a signal). Pass the context itself rather than `context.signal`:
 * `runProbe` then follows it without making an `AbortSignal` (see {@link ProbeController}).
 *
 * @example
 * ```ts
 * const deadline = probeDeadline(timeoutMs, context, `no answer within ${timeoutMs} ms`);
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
  parent: AbortSignal | ProbeContext | undefined,
  message: string,
): ProbeDeadline {
  return new Deadline(timeoutMs, parent, message);
}
