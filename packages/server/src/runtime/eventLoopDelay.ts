import { type ELDHistogram, monitorEventLoopDelay } from "node:perf_hooks";

/** Event-loop delay over a recent window, in milliseconds. */
export interface EventLoopDelaySummary {
  /** Delay samples in the window (one per loop turn, at most one per `resolutionMs`). */
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * How late this process's event loop runs, measured with `perf_hooks.monitorEventLoopDelay` over a
 * sliding window: two histograms reset in turn every `windowMs`, so the older of the two always covers
 * the last `windowMs` to `2 × windowMs`, with exact percentiles (histograms of this kind cannot be
 * merged). Values are the delay beyond the sampling timer's own `resolutionMs`.
 */
export class EventLoopDelay {
  readonly #resolutionMs: number;
  readonly #histograms: [ELDHistogram, ELDHistogram];
  readonly #resetAt: [number, number];
  readonly #timer: NodeJS.Timeout;

  /**
   * @param windowMs how long each histogram collects before the older one is reset. @default 10000
   * @param resolutionMs the sampling timer's interval. @default 10
   */
  constructor(windowMs = 10_000, resolutionMs = 10) {
    this.#resolutionMs = resolutionMs;
    const start = () => {
      const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
      histogram.enable();
      return histogram;
    };
    this.#histograms = [start(), start()];
    const now = performance.now();
    // Rotations reset the second histogram first, then alternate: from then on the two are a window apart.
    this.#resetAt = [now, now];
    let next = 1;
    this.#timer = setInterval(() => {
      this.#histograms[next]!.reset();
      this.#resetAt[next] = performance.now();
      next = 1 - next;
    }, windowMs);
    this.#timer.unref();
  }

  /** p50, p99 and max delay over the last one to two windows; zeros when nothing was measured yet. */
  summary(): EventLoopDelaySummary {
    const older = this.#resetAt[0] <= this.#resetAt[1] ? 0 : 1;
    const histogram = this.#histograms[older];
    if (histogram.count === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
    const ms = (ns: number) => Math.round(Math.max(0, ns / 1e6 - this.#resolutionMs) * 10) / 10;
    return {
      count: histogram.count,
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
    };
  }

  /** Stops measuring. */
  stop(): void {
    clearInterval(this.#timer);
    for (const histogram of this.#histograms) histogram.disable();
  }
}

let shared: EventLoopDelay | undefined;

/**
 * The process's event-loop delay, measured from the first call on: one per process, since every server
 * of a process shares its event loop. `GET /health` and `GET /metrics` report it.
 */
export function eventLoopDelay(): EventLoopDelay {
  shared ??= new EventLoopDelay();
  return shared;
}
