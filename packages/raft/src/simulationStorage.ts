import { LazyCommit } from "./lazyCommit.js";
import { MemoryStorage, type StorageUpdate, type StoredState } from "./storage.js";

/**
 * A simulated node's disk: a {@link MemoryStorage} that keeps the commit index back as `SqliteStorage`
 * does ({@link LazyCommit}), so a node that crashes comes back with the commit index last written, not
 * the newest one it saved.
 */
export class SimulationStorage extends MemoryStorage {
  readonly #lazy = new LazyCommit(undefined, []);
  #writtenCommit = 0;

  override save(update: StorageUpdate): void {
    super.save(update);
    if (this.#lazy.mustWrite(update.hardState, update.entries) && update.hardState) {
      this.#lazy.written(update.hardState);
      this.#writtenCommit = update.hardState.commit;
    }
  }

  override load(): StoredState {
    const state = super.load();
    if (state.hardState) state.hardState = { ...state.hardState, commit: this.#writtenCommit };
    return state;
  }
}
