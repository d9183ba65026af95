import type {
  MonitorDefinition,
  MonitorState,
  ProbeController,
  Sampler,
  Schedule,
  StatusChange,
} from "@amstaff/core";
import type { StoredModule } from "../state/commands.js";
import type { Job } from "./scheduler.js";

/**
 * A monitor this node runs, and its scheduled job: one object per monitor whose `run` is on the prototype
 * and hands the monitor to the runner's one sampling function, rather than a job object, a closure and its
 * context per monitor (50,000 of them live for as long as the node runs them).
 */
export class RunningMonitor implements Job {
  /** Set when the monitor is removed or replaced: a run that starts after that does nothing. */
  removed = false;
  /** The probe under way, aborted when the monitor is removed or replaced, or the scheduler stops. */
  probe: ProbeController | undefined = undefined;
  /**
   * The status change last proposed whose outcome this node could not learn (the leader changed, or did
   * not answer in time): it may have been committed all the same. The next proposal's outcome settles it.
   */
  unsure: StatusChange | undefined = undefined;
  readonly schedule: Schedule;

  constructor(
    /** Its job key. */
    readonly key: string,
    readonly module: StoredModule,
    readonly definition: MonitorDefinition,
    readonly sampler: Sampler | undefined,
    /** Why the sampler could not be created, reported by every run instead of a sample. */
    readonly setupError: string | undefined,
    public state: MonitorState,
    readonly lastRunAt: number | undefined,
    readonly sample: (monitor: RunningMonitor, signal: AbortSignal) => Promise<void>,
  ) {
    this.schedule = definition.schedule;
  }

  run(signal: AbortSignal): Promise<void> {
    return this.sample(this, signal);
  }
}
