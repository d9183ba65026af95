import type { SampleResult, SampleStatus } from "@amstaff/core";
import { ByMonitor } from "../state/byMonitor.js";
import { RingTimes } from "./ringTimes.js";
import { UptimeBuckets } from "./uptimeBuckets.js";

/** Samples kept per monitor for the overview's bar and sparkline. */
export const recentSampleCount = 30;
/** Longest message kept with a recent sample (only samples that are not `ok` keep one). */
export const recentMessageChars = 160;

const hourMs = 3_600_000;
const dayMs = 86_400_000;
/** Hourly uptime buckets: the last 24 hours. */
const hours = 24;
/** Daily uptime buckets: the last 30 days. */
const days = 30;
/** A latency kept aside: one this long or longer, or not a number. */
const longLatency = 0xffff;
const statuses: readonly SampleStatus[] = ["ok", "warning", "critical", "unknown"];
const statusCode = new Map(statuses.map((s, i) => [s, i]));

/** The recent samples of one monitor, oldest first, and its uptime. */
export interface Glance {
  /** When each sample was taken (ms since the epoch). */
  t: number[];
  /** Each sample's status. */
  s: SampleStatus[];
  /** Each sample's latency, in whole milliseconds. */
  lat: number[];
  /** Each sample's message, for the samples that were not `ok`. */
  msg: (string | undefined)[];
  /** Share of samples that were up (ok or warning) over the last 24 hours, 0–1; null with none. */
  up24: number | null;
  /** The same over the last 30 days. */
  up30: number | null;
}

/** One sample of a monitor's past (from the sample history) for {@link RecentSamples.seed}. */
export interface PastSample {
  t: number;
  status: SampleStatus;
  latencyMs: number;
  message?: string | undefined;
}

/** Up and counted (not unknown) samples of the period (hour or UTC day) that starts at `t`. */
export interface PastUptime {
  t: number;
  up: number;
  counted: number;
}

/** What a monitor's history says of the time before this node took its first sample of it since it started. */
export interface Past {
  /** Its last samples, oldest first (only the newest that fit beside the live ones are kept). */
  samples: readonly PastSample[];
  /** Its uptime counts by hour (the last 24). */
  hours: readonly PastUptime[];
  /** Its uptime counts by UTC day (the last 30). */
  days: readonly PastUptime[];
}

/**
 * A monitor's bar as the overview draws it: its recent statuses as one letter each (`o`k, `w`arning,
 * `c`ritical, `u`nknown) and their latencies in whole milliseconds, oldest first, and its uptime.
 */
export interface Bar {
  letters: string;
  latencies: number[];
  up24: number | null;
  up30: number | null;
}

/** The character code of each status's letter, in the order of `statuses`. */
const letterCodes = [..."owcu"].map((c) => c.charCodeAt(0));
/** One bar's letter codes, reused: a string made in one call, not 30 concatenations. */
const barCodes = new Array<number>(recentSampleCount);

/**
 * What the overview shows of every monitor this node runs, kept in memory: a ring of its last 30
 * samples and uptime counters (24 hourly and 30 daily buckets of up/counted samples).
 *
 * Each monitor is a slot in a few shared typed arrays rather than objects, so 50,000 monitors cost a
 * handful of allocations and about 450 bytes each (times and latencies packed, status as a byte; the
 * messages of the few samples that failed kept aside), and the overview reads its numbers without
 * touching the database. Uptime over a window is the sum of the buckets inside it, so a window slides by
 * whole hours (24 h) or days (30 d); a sample that is `unknown` (the probe could not tell) counts as
 * neither up nor down. After a restart the node's
 * sample history refills it ({@link seed}, from `recentSeed.ts`), so the bars do not start empty.
 */
export class RecentSamples {
  readonly #slots = new ByMonitor<number>();
  readonly #free: number[] = [];
  #capacity = 0;
  readonly #t = new RingTimes(recentSampleCount);
  /** Latencies in whole ms; the few of 65,535 ms or more (or not a number) are kept aside, by ring index. */
  #lat = new Uint16Array(0);
  readonly #longLatencies = new Map<number, number>();
  #status = new Uint8Array(0);
  /** The messages of samples that were not `ok`, by ring index: most samples have none. */
  readonly #messages = new Map<number, string>();
  #head = new Uint8Array(0);
  #size = new Uint8Array(0);
  /** The time of each slot's first sample recorded live (infinite until one is). */
  #first = new Float64Array(0);
  // Counts in 16 bits; a day of samples every second (86,400) moves its monitor's days to 32 bits aside.
  readonly #hours = new UptimeBuckets(hours, hourMs);
  readonly #days = new UptimeBuckets(days, dayMs);

  /** How many monitors are tracked. */
  get size(): number {
    return this.#slots.size;
  }

  /** Bytes held by the typed arrays (the messages of failing samples come on top). */
  get bytes(): number {
    return [this.#lat, this.#status, this.#head, this.#size, this.#first].reduce<number>(
      (n, a) => n + a.byteLength,
      this.#t.bytes + this.#hours.bytes + this.#days.bytes,
    );
  }

  /** Folds one sample in. */
  record(module: string, monitor: string, result: SampleResult): void {
    const slot = this.#slotOf(module, monitor);
    const n = recentSampleCount;
    const head = this.#head[slot]!;
    const i = slot * n + head;
    this.#t.set(slot, head, result.timestamp);
    this.#keepLatency(i, result.durationMs);
    this.#status[i] = statusCode.get(result.status) ?? 3;
    this.#keepMessage(i, result.status === "ok" ? undefined : result.message);
    this.#head[slot] = (head + 1) % n;
    if (this.#size[slot]! < n) this.#size[slot]! += 1;
    if (result.timestamp < this.#first[slot]!) this.#first[slot] = result.timestamp;
    if (result.status === "unknown") return;
    const up = result.status === "ok" || result.status === "warning" ? 1 : 0;
    this.#hours.add(slot, result.timestamp, up);
    this.#days.add(slot, result.timestamp, up);
  }

  /**
   * When the first sample of a monitor recorded since it is tracked was taken, or undefined when none was:
   * what came before is the history's to {@link seed}.
   */
  liveSince(module: string, monitor: string): number | undefined {
    const slot = this.#slots.get(module, monitor);
    const first = slot === undefined ? Number.POSITIVE_INFINITY : this.#first[slot]!;
    return first === Number.POSITIVE_INFINITY ? undefined : first;
  }

  /**
   * Adds a monitor's past, as its history has it, to what was recorded live (after a restart). `past` must
   * hold only what is older than {@link liveSince}, so no sample counts twice: its samples go before the
   * live ones in the ring, as many as fit, and its counts into the hours and days they belong to (those
   * already out of the windows are left out).
   */
  seed(module: string, monitor: string, past: Past): void {
    const slot = this.#slotOf(module, monitor);
    const n = recentSampleCount;
    const size = this.#size[slot]!;
    const older = past.samples.slice(Math.max(0, past.samples.length - (n - size)));
    const start = this.#head[slot]! - size - older.length + 2 * n;
    for (const [k, sample] of older.entries()) {
      const i = slot * n + ((start + k) % n);
      this.#t.set(slot, (start + k) % n, sample.t);
      this.#keepLatency(i, sample.latencyMs);
      this.#status[i] = statusCode.get(sample.status) ?? 3;
      this.#keepMessage(i, sample.status === "ok" ? undefined : (sample.message ?? ""));
    }
    this.#size[slot] = size + older.length;
    for (const h of past.hours) this.#hours.seed(slot, h.t, h.up, h.counted);
    for (const d of past.days) this.#days.seed(slot, d.t, d.up, d.counted);
  }

  /** Drops a monitor (deleted, or no longer run here). */
  forget(module: string, monitor: string): void {
    const slot = this.#slots.delete(module, monitor);
    if (slot === undefined) return;
    this.#free.push(slot);
    for (let i = slot * recentSampleCount; i < (slot + 1) * recentSampleCount; i++) {
      this.#messages.delete(i);
      this.#longLatencies.delete(i);
    }
  }

  /** Forgets the monitors of `module` that are not in `kept` (after the module is replaced or deleted). */
  retainModule(module: string, kept: ReadonlySet<string>): void {
    for (const monitor of [...this.#slots.ofModule(module).keys()]) {
      if (!kept.has(monitor)) this.forget(module, monitor);
    }
  }

  /** A monitor's recent samples and uptime at `now`, or undefined when this node has none. */
  glance(module: string, monitor: string, now: number): Glance | undefined {
    const slot = this.#slots.get(module, monitor);
    if (slot === undefined) return undefined;
    const n = recentSampleCount;
    const size = this.#size[slot]!;
    const glance: Glance = { t: [], s: [], lat: [], msg: [], up24: null, up30: null };
    for (let k = 0; k < size; k++) {
      const position = (this.#head[slot]! - size + k + n) % n;
      const i = slot * n + position;
      glance.t.push(this.#t.get(slot, position));
      glance.s.push(statuses[this.#status[i]!]!);
      glance.lat.push(this.#latency(i));
      glance.msg.push(this.#messages.get(i));
    }
    glance.up24 = this.#hours.share(slot, now);
    glance.up30 = this.#days.share(slot, now);
    return glance;
  }

  /**
   * A monitor's {@link Bar} at `now`, or undefined when this node has none: what {@link glance} holds
   * without the times and messages, read straight from the rings (the overview reads 50,000 at once).
   */
  bar(module: string, monitor: string, now: number): Bar | undefined {
    const slot = this.#slots.get(module, monitor);
    if (slot === undefined) return undefined;
    const n = recentSampleCount;
    const size = this.#size[slot]!;
    const latencies = new Array<number>(size);
    barCodes.length = size;
    for (let k = 0; k < size; k++) {
      const i = slot * n + ((this.#head[slot]! - size + k + n) % n);
      barCodes[k] = letterCodes[this.#status[i]!] ?? letterCodes[3]!;
      latencies[k] = this.#latency(i);
    }
    return {
      letters: String.fromCharCode.apply(null, barCodes),
      latencies,
      up24: this.#hours.share(slot, now),
      up30: this.#days.share(slot, now),
    };
  }

  // Read only rounded to whole ms, so kept rounded: 16 bits hold a minute (60 B a monitor less than 32).
  #keepLatency(i: number, ms: number): void {
    const rounded = Math.round(ms);
    if (rounded >= 0 && rounded < longLatency) {
      this.#lat[i] = rounded;
      this.#longLatencies.delete(i);
    } else {
      this.#lat[i] = longLatency;
      this.#longLatencies.set(i, rounded);
    }
  }

  #latency(i: number): number {
    const ms = this.#lat[i]!;
    return ms === longLatency ? this.#longLatencies.get(i)! : ms;
  }

  #keepMessage(i: number, message: string | undefined): void {
    if (message === undefined) this.#messages.delete(i);
    else this.#messages.set(i, message.slice(0, recentMessageChars));
  }

  #slotOf(module: string, monitor: string): number {
    const known = this.#slots.get(module, monitor);
    if (known !== undefined) return known;
    const slot = this.#free.pop() ?? this.#slots.size;
    // By a quarter, not double: the arrays are most of a monitor's memory here, and room for 50 % more
    // monitors than run is hundreds of bytes per monitor.
    if (slot >= this.#capacity) this.#grow(Math.max(64, Math.ceil(this.#capacity * 1.25)));
    this.#slots.set(module, monitor, slot);
    this.#head[slot] = 0;
    this.#size[slot] = 0;
    this.#first[slot] = Number.POSITIVE_INFINITY;
    this.#t.clear(slot);
    this.#hours.clear(slot);
    this.#days.clear(slot);
    return slot;
  }

  #grow(capacity: number): void {
    const n = recentSampleCount;
    this.#t.grow(capacity);
    this.#lat = grown(this.#lat, new Uint16Array(capacity * n));
    this.#status = grown(this.#status, new Uint8Array(capacity * n));
    this.#head = grown(this.#head, new Uint8Array(capacity));
    this.#size = grown(this.#size, new Uint8Array(capacity));
    this.#first = grown(this.#first, new Float64Array(capacity));
    this.#hours.grow(capacity);
    this.#days.grow(capacity);
    this.#capacity = capacity;
  }
}

/** `from` copied into the start of `to`, a larger array of its kind: how the typed arrays grow. */
export function grown<T extends Float64Array | Float32Array | Uint8Array | Uint16Array | Uint32Array>(
  from: T,
  to: T,
): T {
  to.set(from as never);
  return to;
}
