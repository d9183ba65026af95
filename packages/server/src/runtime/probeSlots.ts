import { type Clock, monotonicNow } from "../clock.js";

/** Bounds and tuning of {@link ProbeSlots}. */
export interface ProbeSlotsOptions {
  /** The fewest slots, whatever the load. Clamped to `max`. @default 32 */
  min?: number | undefined;
  /** The most slots: what the node's sockets and memory allow at once. @default 4096 */
  max?: number | undefined;
  /** Slots per unit of measured demand (Little's law's L), room for arrivals that come in clumps. @default 2 */
  headroom?: number | undefined;
  /** How often the limit is recomputed from the demand measured since the last time. @default 500 */
  windowMs?: number | undefined;
  /**
   * While runs wait for a slot, how often the limit is recomputed from the window so far, growing only:
   * how long a burst (the runs that fell due during a stall of the event loop) waits for the limit to
   * follow it. @default 25
   */
  growMs?: number | undefined;
}

/** What {@link ProbeSlots.stats} returns. */
export interface ProbeSlotsStats {
  /** Slots right now. */
  limit: number;
  /** Slots held. */
  active: number;
  /** Runs waiting for a slot. */
  waiting: number;
  /** Slots the last window's runs needed (Little's law: arrival rate × how long each holds its slot). */
  demand: number;
}

/**
 * The node's probe slots, sized to the load. Over each window it measures the mean number of slots held
 * (by Little's law, the rate runs got slots times how long each held one, whatever the probes' latency),
 * scales it by the runs that arrived over the runs that got a slot (the demand had none waited), and sets
 * the limit to `headroom ×` that demand, within `[min, max]`. It grows at once: while runs wait, it is
 * recomputed from the window so far every `growMs` (a burst of runs due after a stall waits that long, not
 * the rest of the window), and while every slot is held the headroom alone at least doubles it each time.
 * It shrinks by a quarter of the gap per window, so a short lull does not undo it.
 *
 * Scheduled probes arrive at a rate the schedule fixes; a slot limit cannot lower that rate, only
 * delay runs. The limit therefore exists only to bound what a node holds at once (sockets, buffers),
 * and otherwise follows demand. See docs/decisions.md ("Probe slots").
 */
export class ProbeSlots {
  readonly #clock: Clock;
  readonly #min: number;
  readonly #max: number;
  readonly #headroom: number;
  readonly #windowMs: number;
  readonly #growMs: number;
  readonly #waiting: (() => void)[] = [];
  #waitingHead = 0;
  #limit: number;
  #active = 0;
  #demand = 0;
  #windowStart: number;
  #lastChange: number;
  /** When the limit last grew within the window, or runs began to wait: the next growth is `growMs` later. */
  #grownAt: number;
  /** ∫ active dt over the current window: the slot time runs used. */
  #area = 0;
  /** Runs that asked for a slot, and runs that got one, in the current window. */
  #arrivals = 0;
  #admissions = 0;
  #timer: unknown;

  constructor(clock: Clock, options: ProbeSlotsOptions = {}) {
    this.#clock = clock;
    this.#max = Math.max(1, Math.floor(options.max ?? 4096));
    this.#min = Math.min(this.#max, Math.max(1, Math.floor(options.min ?? 32)));
    this.#headroom = options.headroom ?? 2;
    this.#windowMs = options.windowMs ?? 500;
    this.#growMs = Math.min(this.#windowMs, options.growMs ?? 25);
    this.#limit = this.#min;
    this.#windowStart = monotonicNow(clock);
    this.#lastChange = this.#windowStart;
    this.#grownAt = this.#windowStart;
  }

  /** Slots, held slots, waiting runs and the last window's demand. */
  stats(): ProbeSlotsStats {
    this.#account();
    return {
      limit: this.#limit,
      active: this.#active,
      waiting: this.#queued(),
      demand: Math.round(this.#demand * 10) / 10,
    };
  }

  /**
   * Takes a slot: `undefined` when one was free (the common case allocates nothing), else a promise
   * that resolves once the caller holds one. Every acquisition must be followed by one {@link release}.
   */
  acquire(): Promise<void> | undefined {
    this.#account();
    this.#arrivals++;
    if (this.#active < this.#limit && this.#queued() === 0) {
      this.#active++;
      this.#admissions++;
      return undefined;
    }
    if (this.#queued() === 0) this.#grownAt = monotonicNow(this.#clock);
    this.#armRecompute();
    return new Promise<void>((resolve) => {
      this.#waiting.push(() => {
        this.#active++;
        this.#admissions++;
        resolve();
      });
    });
  }

  // While runs wait, the limit is recomputed every `growMs` even if no run starts or ends (every slot
  // held by probes that hang until their timeout).
  #armRecompute(): void {
    if (this.#timer !== undefined) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#account();
      if (this.#queued() > 0) this.#armRecompute();
    }, this.#growMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Gives a slot back, handing it to the longest-waiting run. */
  release(): void {
    this.#account();
    this.#active--;
    this.#admit();
  }

  /** Lets every waiting run through at once (when the scheduler stops: they see the abort and return). */
  releaseAll(): void {
    this.#account();
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queued() > 0) this.#next()();
  }

  #queued(): number {
    return this.#waiting.length - this.#waitingHead;
  }

  #next(): () => void {
    const grant = this.#waiting[this.#waitingHead]!;
    this.#waiting[this.#waitingHead++] = undefined as unknown as () => void;
    // Compact now and then: shift() on a long array is O(n) per call.
    if (this.#waitingHead > 1024 && this.#waitingHead * 2 > this.#waiting.length) {
      this.#waiting.splice(0, this.#waitingHead);
      this.#waitingHead = 0;
    }
    return grant;
  }

  #admit(): void {
    while (this.#active < this.#limit && this.#queued() > 0) this.#next()();
  }

  // Integrates the occupancy up to now and, once a window has passed, recomputes the limit.
  #account(): void {
    const now = monotonicNow(this.#clock);
    this.#area += this.#active * (now - this.#lastChange);
    this.#lastChange = now;
    const elapsed = now - this.#windowStart;
    if (elapsed < this.#windowMs) {
      this.#growEarly(now, elapsed);
      return;
    }
    this.#demand = this.#demandOver(elapsed);
    this.#area = 0;
    this.#arrivals = 0;
    this.#admissions = 0;
    this.#windowStart = now;
    const target = Math.min(this.#max, Math.max(this.#min, Math.ceil(this.#headroom * this.#demand)));
    if (target >= this.#limit) this.#limit = target;
    else {
      // A quarter of the gap per window that passed (a quiet node recomputes only when asked).
      for (let w = Math.min(32, Math.floor(elapsed / this.#windowMs)); w > 0; w--)
        this.#limit -= Math.ceil((this.#limit - target) / 4);
    }
    this.#admit();
  }

  // Little's law on the slots: mean slots held = admission rate × mean hold. Scaled by arrivals over
  // admissions, it is what the runs that arrived would have held had none waited: the demand.
  #demandOver(elapsed: number): number {
    return (this.#area / elapsed) * Math.max(1, this.#arrivals / Math.max(1, this.#admissions));
  }

  // The runs that fell due during a stall of the event loop arrive at once, and the probes under way held
  // their slots for the stall too: at a limit sized for the steady state, the burst would wait the rest of
  // the window for slots (in `cluster:capacity`, a 35 ms stall made runs 100 ms late). So while runs wait,
  // the limit follows the window so far every `growMs`, up only; the window's end may take it back down.
  #growEarly(now: number, elapsed: number): void {
    if (this.#queued() === 0 || now - this.#grownAt < this.#growMs || !(elapsed > 0)) return;
    this.#grownAt = now;
    const target = Math.min(this.#max, Math.ceil(this.#headroom * this.#demandOver(elapsed)));
    if (target <= this.#limit) return;
    this.#limit = target;
    this.#admit();
  }
}
