import { turnBudget } from "../../runtime/turnBudget.js";

/**
 * How long the steps run before the event loop may turn: as on Raft (`@amstaff/raft`'s node loop), a
 * backlog of entries — after a snapshot held applying, or a node catching up from an old revision, when
 * etcd sends thousands in one watch response — is applied in slices, not in one stretch.
 */
const sliceMs = 10;

/**
 * The one sequence in which a node on etcd touches its state machine: each entry from the watch, a
 * snapshot restored, a snapshot encoded. A step runs only once the one before it settled, so while a
 * snapshot encodes in slices (`StateMachine.snapshotInSlices`) nothing is applied or restored — the bytes
 * are the state at the revision it names — and the entries the watch delivers meanwhile wait in order,
 * then run in {@link sliceMs} slices. A step that throws is reported and the next one runs.
 */
export class EtcdSteps {
  readonly #failed: (error: unknown) => void;
  #steps: ((() => unknown) | undefined)[] = [];
  #head = 0;
  #running = false;

  constructor(failed: (error: unknown) => void) {
    this.#failed = failed;
  }

  /** Steps queued and not yet started. */
  get queued(): number {
    return this.#steps.length - this.#head;
  }

  /** Queues `step` after every step queued so far. */
  push(step: () => unknown): void {
    this.#steps.push(step);
    if (!this.#running) void this.#drain();
  }

  /** Queues `step` and resolves (or rejects) with what it returns once it ran. */
  run<T>(step: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.push(async () => {
        try {
          resolve(await step());
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    const pause = turnBudget(sliceMs);
    try {
      while (this.#head < this.#steps.length) {
        const step = this.#steps[this.#head] as () => unknown;
        this.#steps[this.#head++] = undefined;
        try {
          await step();
        } catch (error) {
          this.#failed(error);
        }
        await pause();
      }
      this.#steps = [];
      this.#head = 0;
    } finally {
      this.#running = false;
    }
  }
}
