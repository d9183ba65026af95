import type { SampleResult, SampleStatus } from "@amstaff/core";
import { monitorKey, parseMonitorKey } from "../state/monitorKey.js";

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

/**
 * What the overview shows of every monitor this node runs, kept in memory: a ring of its last 30
 * samples and uptime counters (24 hourly and 30 daily buckets of up/counted samples).
 *
 * Each monitor is a slot in a few shared typed arrays rather than objects, so 50,000 monitors cost a
 * handful of allocations and about 1.4 KB each (times and latencies packed, status as a byte), and
 * the overview reads its numbers without touching the database. Uptime over a window is the sum of
 * the buckets inside it, so a window slides by whole hours (24 h) or days (30 d); a sample that is
 * `unknown` (the probe could not tell) counts as neither up nor down.
 */
export class RecentSamples {
  readonly #slots = new Map<string, number>();
  readonly #free: number[] = [];
  #capacity = 0;
  #t = new Float64Array(0);
  #lat = new Float32Array(0);
  #status = new Uint8Array(0);
  #messages: (string | undefined)[] = [];
  #head = new Uint8Array(0);
  #size = new Uint8Array(0);
  /** Per bucket: which hour (or day) since the epoch it holds, its up samples and its counted ones. */
  #hourAt = new Uint32Array(0);
  #hourUp = new Uint32Array(0);
  #hourCounted = new Uint32Array(0);
  #dayAt = new Uint32Array(0);
  #dayUp = new Uint32Array(0);
  #dayCounted = new Uint32Array(0);

  /** How many monitors are tracked. */
  get size(): number {
    return this.#slots.size;
  }

  /** Bytes held by the typed arrays (the messages of failing samples come on top). */
  get bytes(): number {
    return [
      this.#t,
      this.#lat,
      this.#status,
      this.#head,
      this.#size,
      this.#hourAt,
      this.#hourUp,
      this.#hourCounted,
      this.#dayAt,
      this.#dayUp,
      this.#dayCounted,
    ].reduce((n, a) => n + a.byteLength, this.#messages.length * 8);
  }

  /** Folds one sample in. */
  record(module: string, monitor: string, result: SampleResult): void {
    const slot = this.#slotOf(monitorKey(module, monitor));
    const n = recentSampleCount;
    const head = this.#head[slot]!;
    const i = slot * n + head;
    this.#t[i] = result.timestamp;
    this.#lat[i] = result.durationMs;
    this.#status[i] = statusCode.get(result.status) ?? 3;
    this.#messages[i] = result.status === "ok" ? undefined : result.message.slice(0, recentMessageChars);
    this.#head[slot] = (head + 1) % n;
    if (this.#size[slot]! < n) this.#size[slot]! += 1;
    if (result.status === "unknown") return;
    const up = result.status === "ok" || result.status === "warning" ? 1 : 0;
    count(this.#hourAt, this.#hourUp, this.#hourCounted, slot * hours, hours, result.timestamp / hourMs, up);
    count(this.#dayAt, this.#dayUp, this.#dayCounted, slot * days, days, result.timestamp / dayMs, up);
  }

  /** Drops a monitor (deleted, or no longer run here). */
  forget(module: string, monitor: string): void {
    const k = monitorKey(module, monitor);
    const slot = this.#slots.get(k);
    if (slot === undefined) return;
    this.#slots.delete(k);
    this.#free.push(slot);
    this.#messages.fill(undefined, slot * recentSampleCount, (slot + 1) * recentSampleCount);
  }

  /** Keeps only the monitors `keep` says yes to (after a module is replaced or deleted). */
  retain(keep: (module: string, monitor: string) => boolean): void {
    for (const k of [...this.#slots.keys()]) {
      const { module, monitor } = parseMonitorKey(k);
      if (!keep(module, monitor)) this.forget(module, monitor);
    }
  }

  /** A monitor's recent samples and uptime at `now`, or undefined when this node has none. */
  glance(module: string, monitor: string, now: number): Glance | undefined {
    const slot = this.#slots.get(monitorKey(module, monitor));
    if (slot === undefined) return undefined;
    const n = recentSampleCount;
    const size = this.#size[slot]!;
    const glance: Glance = { t: [], s: [], lat: [], msg: [], up24: null, up30: null };
    for (let k = 0; k < size; k++) {
      const i = slot * n + ((this.#head[slot]! - size + k + n) % n);
      glance.t.push(this.#t[i]!);
      glance.s.push(statuses[this.#status[i]!]!);
      glance.lat.push(Math.round(this.#lat[i]!));
      glance.msg.push(this.#messages[i]);
    }
    glance.up24 = share(this.#hourAt, this.#hourUp, this.#hourCounted, slot * hours, hours, now / hourMs);
    glance.up30 = share(this.#dayAt, this.#dayUp, this.#dayCounted, slot * days, days, now / dayMs);
    return glance;
  }

  #slotOf(key: string): number {
    const known = this.#slots.get(key);
    if (known !== undefined) return known;
    const slot = this.#free.pop() ?? this.#slots.size;
    if (slot >= this.#capacity) this.#grow(Math.max(64, this.#capacity * 2));
    this.#slots.set(key, slot);
    this.#head[slot] = 0;
    this.#size[slot] = 0;
    this.#hourAt.fill(0, slot * hours, (slot + 1) * hours);
    this.#dayAt.fill(0, slot * days, (slot + 1) * days);
    return slot;
  }

  #grow(capacity: number): void {
    const n = recentSampleCount;
    this.#t = grown(this.#t, new Float64Array(capacity * n));
    this.#lat = grown(this.#lat, new Float32Array(capacity * n));
    this.#status = grown(this.#status, new Uint8Array(capacity * n));
    this.#head = grown(this.#head, new Uint8Array(capacity));
    this.#size = grown(this.#size, new Uint8Array(capacity));
    this.#hourAt = grown(this.#hourAt, new Uint32Array(capacity * hours));
    this.#hourUp = grown(this.#hourUp, new Uint32Array(capacity * hours));
    this.#hourCounted = grown(this.#hourCounted, new Uint32Array(capacity * hours));
    this.#dayAt = grown(this.#dayAt, new Uint32Array(capacity * days));
    this.#dayUp = grown(this.#dayUp, new Uint32Array(capacity * days));
    this.#dayCounted = grown(this.#dayCounted, new Uint32Array(capacity * days));
    this.#messages.length = capacity * n;
    this.#capacity = capacity;
  }
}

function grown<T extends Float64Array | Float32Array | Uint8Array | Uint32Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}

/** Adds a sample to the bucket of its period, resetting the bucket when it held an older period. */
function count(
  at: Uint32Array,
  up: Uint32Array,
  counted: Uint32Array,
  base: number,
  buckets: number,
  period: number,
  isUp: number,
): void {
  // Period numbers start at 1 so that 0 marks an empty bucket.
  const p = Math.floor(period) + 1;
  const i = base + (p % buckets);
  if (at[i] !== p) {
    at[i] = p;
    up[i] = 0;
    counted[i] = 0;
  }
  up[i]! += isUp;
  counted[i]! += 1;
}

/** Up over counted across the buckets of the last `buckets` periods up to `period`. */
function share(
  at: Uint32Array,
  up: Uint32Array,
  counted: Uint32Array,
  base: number,
  buckets: number,
  period: number,
): number | null {
  const p = Math.floor(period) + 1;
  let u = 0;
  let c = 0;
  for (let i = base; i < base + buckets; i++) {
    if (at[i]! > p - buckets && at[i]! <= p) {
      u += up[i]!;
      c += counted[i]!;
    }
  }
  return c === 0 ? null : u / c;
}
