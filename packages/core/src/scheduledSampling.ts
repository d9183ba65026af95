import type { SampleHandler } from "./handler.js";
import type { Sampler } from "./sampler.js";
import type { Schedule } from "./schedule.js";

/**
 * A sampler, when to run it, and whom to tell when its status changes: a monitor, instantiated.
 * Module files describe it as data (a `MonitorDefinition`); the node that owns the module builds this.
 */
export interface ScheduledSampling {
  /** The module the monitor belongs to. */
  module: string;
  sampler: Sampler;
  timing: Schedule;
  handlers: readonly SampleHandler[];
  /** Consecutive agreeing samples needed to change status. */
  consecutive: number;
  /** Per-probe timeout in milliseconds. */
  timeoutMs: number;
}
