import type { SqlEngine } from "./connectionUrl.js";
import type { SqlDriver } from "./driver.js";

/** A pool shared by the monitors of this process, as {@link sqlPools} describes it (no secrets). */
export interface SqlPoolInfo {
  /** The engine. */
  engine: SqlEngine;
  /** The connection string without its password. */
  url: string;
  /** The most connections the pool opens. */
  poolSize: number;
  /** How many samplers hold the pool (samplers created and not yet disposed). */
  samplers: number;
  /** Whether the pool has been opened (it opens on the first probe). */
  open: boolean;
}

interface Entry {
  info: Omit<SqlPoolInfo, "samplers" | "open">;
  refs: number;
  open: () => Promise<SqlDriver>;
  driver: Promise<SqlDriver> | undefined;
}

/** A sampler's hold on a shared pool. */
export interface PoolLease {
  /** The pool's driver, opened (and the engine's library loaded) on first use. */
  driver(): Promise<SqlDriver>;
  /** Gives the hold back; the last one closes the pool. Idempotent. */
  release(): Promise<void>;
}

// Keys are built from resolved connection strings: they hold secrets and are never shown.
const registry = new Map<string, Entry>();

/**
 * Holds the pool registered under `key`, creating its entry on first use. The pool itself opens lazily,
 * on the first probe, so that creating a sampler never touches the network.
 */
export function acquirePool(key: string, info: Entry["info"], open: () => Promise<SqlDriver>): PoolLease {
  let entry = registry.get(key);
  if (entry === undefined) {
    entry = { info, refs: 0, open, driver: undefined };
    registry.set(key, entry);
  }
  entry.refs += 1;
  const held = entry;
  let released = false;
  return {
    driver() {
      if (released) return Promise.reject(new Error("the sampler has been disposed"));
      if (held.driver === undefined) {
        const opening = held.open();
        held.driver = opening;
        // A pool that failed to open (its library missing, say) is tried again on the next probe.
        opening.catch(() => {
          if (held.driver === opening) held.driver = undefined;
        });
      }
      return held.driver;
    },
    async release() {
      if (released) return;
      released = true;
      held.refs -= 1;
      if (held.refs > 0) return;
      if (registry.get(key) === held) registry.delete(key);
      const driver = held.driver;
      held.driver = undefined;
      if (driver !== undefined) await driver.then((d) => d.close()).catch(() => {});
    },
  };
}

/**
 * The SQL connection pools of this process, one per connection string (with password and `poolSize`), and
 * how many samplers share each: for diagnostics and tests. URLs are shown without passwords.
 */
export function sqlPools(): SqlPoolInfo[] {
  return [...registry.values()].map((entry) => ({
    ...entry.info,
    samplers: entry.refs,
    open: entry.driver !== undefined,
  }));
}
