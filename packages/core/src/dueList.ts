/** Something with a time limit on a {@link DueList}: the list's links live on it, so adding allocates nothing. */
export interface Due {
  /** When it expires, in `performance.now()` milliseconds. */
  dueAt: number;
  /** The list it is on, if any. */
  dueList: DueList | undefined;
  previousDue: Due | undefined;
  nextDue: Due | undefined;
  /** Called once when the time limit passes, unless removed before. */
  expire(): void;
}

/**
 * Time limits of one length, in the order they were set, under one Node.js timer armed for the earliest.
 *
 * A `setTimeout` per probe (two: `runProbe`'s and the sampler's deadline) was a `Timeout` object and its
 * argument array each, alive as long as the probe: at thousands of probes a second, those under way at a
 * young-generation GC were promoted. Limits of one length expire in the order they were set, so the
 * earliest is the first; a probe that ends (nearly all of them, long before their limit) only unlinks
 * itself. The timer is re-armed when it fires, for what is then first: at 5,000 probes a second with a
 * 10 s timeout, about once per 10 s rather than 10,000 timers a second.
 */
export class DueList {
  readonly #ms: number;
  #first: Due | undefined;
  #last: Due | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer fires, in `performance.now()` milliseconds. */
  #armedFor = 0;

  constructor(ms: number) {
    this.#ms = ms;
  }

  /** Puts `due` at the end of the list, due in the list's length of time from now. */
  add(due: Due): void {
    const dueAt = performance.now() + this.#ms;
    due.dueAt = dueAt;
    due.dueList = this;
    due.nextDue = undefined;
    due.previousDue = this.#last;
    if (this.#last === undefined) this.#first = due;
    else this.#last.nextDue = due;
    this.#last = due;
    if (this.#timer === undefined) this.#arm(dueAt);
    // An armed timer fires no later than this one is due (times only grow); it may have been let go when
    // the list emptied, and holds the process again now.
    else this.#timer.ref();
  }

  /** Takes `due` off the list; it will not expire. */
  remove(due: Due): void {
    if (due.dueList !== this) return;
    const { previousDue, nextDue } = due;
    if (previousDue === undefined) this.#first = nextDue;
    else previousDue.nextDue = nextDue;
    if (nextDue === undefined) this.#last = previousDue;
    else nextDue.previousDue = previousDue;
    due.dueList = undefined;
    due.previousDue = undefined;
    due.nextDue = undefined;
    // Nothing left to wait for: the timer must not keep the process alive (it is re-armed if it fires).
    if (this.#first === undefined) this.#timer?.unref();
  }

  /** The timer fired: expires what is due, and waits for what is then first. */
  fire(): void {
    this.#timer = undefined;
    // Node's timers run on the loop's cached time, which may trail `performance.now()` by a millisecond.
    const now = performance.now() + 1;
    for (let due = this.#first; due !== undefined && due.dueAt <= now; due = this.#first) {
      this.remove(due);
      due.expire();
    }
    if (this.#first !== undefined && this.#timer === undefined) this.#arm(this.#first.dueAt);
  }

  #arm(dueAt: number): void {
    this.#armedFor = dueAt;
    this.#timer = setTimeout(fireList, Math.max(1, Math.ceil(dueAt - performance.now())), this);
  }

  /** When the armed timer fires (`performance.now()` ms), or `undefined`; for tests. */
  get armedFor(): number | undefined {
    return this.#timer === undefined ? undefined : this.#armedFor;
  }
}

const fireList = (list: DueList) => list.fire();

const lists = new Map<number, DueList>();

// As Node's timers: a length that is not a number of milliseconds a timer can wait is 1.
const maxTimerMs = 2 ** 31 - 1;

/** The process's list for time limits of `ms` milliseconds (coerced as `setTimeout` coerces its delay). */
export function dueListOf(ms: number): DueList {
  if (!(ms >= 1 && ms <= maxTimerMs)) ms = 1;
  let list = lists.get(ms);
  if (list === undefined) {
    list = new DueList(ms);
    lists.set(ms, list);
  }
  return list;
}
