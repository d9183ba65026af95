import { getJson, readEvents } from "./api.js";
import { type Changes, keyOf, type Overview, type Row } from "./types.js";

type Listener = (changed: Row[], full: boolean) => void;

/**
 * Every monitor's latest row, kept current by the live event stream. Views subscribe and get the
 * changed rows only (`full` after a fresh overview fetch), so a status change touches one row of the
 * page, not the page.
 */
export class Store {
  readonly rows = new Map<string, Row>();
  modules: Overview["modules"] = [];
  loaded = false;
  /** "connecting", "live" or "reconnecting", for the indicator in the header. */
  connection = "connecting";
  readonly #listeners = new Set<Listener>();
  readonly #connectionListeners = new Set<() => void>();
  #abort: AbortController | undefined;
  #overviewAt = 0;
  #pending: Changes[] | undefined;
  #refetching = false;
  #refetchAgain = false;

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onConnection(listener: () => void): () => void {
    this.#connectionListeners.add(listener);
    return () => this.#connectionListeners.delete(listener);
  }

  /** Opens the event stream (reconnecting with backoff) and fetches the overview each time it opens. */
  start(): void {
    this.stop();
    const abort = new AbortController();
    this.#abort = abort;
    void (async () => {
      let delay = 500;
      while (!abort.signal.aborted) {
        try {
          await readEvents((event, data) => this.#onEvent(event, data), abort.signal);
          delay = 500;
        } catch {
          if (abort.signal.aborted) return;
        }
        this.#setConnection("reconnecting");
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 10_000);
      }
    })();
  }

  stop(): void {
    this.#abort?.abort();
    this.#abort = undefined;
  }

  #setConnection(state: string): void {
    this.connection = state;
    for (const l of this.#connectionListeners) l();
  }

  #onEvent(event: string, data: unknown): void {
    if (event === "hello") {
      this.#setConnection("live");
      void this.refetch();
    } else if (event === "resync") {
      void this.refetch();
    } else if (event === "changes") {
      const changes = data as Changes;
      if (this.#pending) this.#pending.push(changes);
      else this.#apply(changes);
    }
  }

  /** Fetches the whole overview again; changes that arrive meanwhile are applied after it if newer. */
  async refetch(): Promise<void> {
    if (this.#refetching) {
      this.#refetchAgain = true;
      return;
    }
    this.#refetching = true;
    this.#pending = [];
    try {
      const overview = await getJson<Overview>("/overview");
      this.#overviewAt = overview.at;
      this.rows.clear();
      for (const row of overview.monitors) this.rows.set(keyOf(row.m, row.n), row);
      this.modules = overview.modules;
      this.loaded = true;
      for (const l of this.#listeners) l([], true);
      const pending = this.#pending;
      this.#pending = undefined;
      for (const changes of pending) this.#apply(changes);
    } catch {
      this.#pending = undefined;
    } finally {
      this.#refetching = false;
      if (this.#refetchAgain) {
        this.#refetchAgain = false;
        void this.refetch();
      }
    }
  }

  #apply(changes: Changes): void {
    // Rendered before the overview we hold: that overview already has them (or newer).
    if (changes.at < this.#overviewAt) return;
    let unknown = false;
    for (const row of changes.rows) {
      const k = keyOf(row.m, row.n);
      if (row.gone) this.rows.delete(k);
      else {
        if (!this.rows.has(k)) unknown = true;
        this.rows.set(k, row);
      }
    }
    for (const l of this.#listeners) l(changes.rows, false);
    if (unknown) void this.refetch();
  }
}

/** The one store of the page. */
export const store = new Store();
