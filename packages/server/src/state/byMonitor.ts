/**
 * Values by module, then monitor name: a map per module, keyed by the names' own strings. Where a value is
 * kept for every monitor (50,000 of them), a joined key (`monitorKey`) is one more string per monitor and
 * per map, and a module's monitors are found without a walk over every key.
 */
export class ByMonitor<V> {
  readonly #modules = new Map<string, Map<string, V>>();
  #size = 0;

  /** How many monitors have a value. */
  get size(): number {
    return this.#size;
  }

  /** A monitor's value, if it has one. */
  get(module: string, monitor: string): V | undefined {
    return this.#modules.get(module)?.get(monitor);
  }

  /** Sets a monitor's value, replacing any it had. */
  set(module: string, monitor: string, value: V): void {
    let monitors = this.#modules.get(module);
    if (monitors === undefined) {
      monitors = new Map();
      this.#modules.set(module, monitors);
    }
    if (!monitors.has(monitor)) this.#size++;
    monitors.set(monitor, value);
  }

  /** Drops a monitor's value (and its module's map with its last monitor); returns it, if it had one. */
  delete(module: string, monitor: string): V | undefined {
    const monitors = this.#modules.get(module);
    const value = monitors?.get(monitor);
    if (!monitors?.delete(monitor)) return undefined;
    this.#size--;
    if (monitors.size === 0) this.#modules.delete(module);
    return value;
  }

  /** One module's monitors and their values, in the order they were added. */
  ofModule(module: string): ReadonlyMap<string, V> {
    return this.#modules.get(module) ?? empty;
  }

  /** Every value, module by module, each module's in the order they were added. */
  *values(): Generator<V> {
    for (const monitors of this.#modules.values()) yield* monitors.values();
  }

  /** Drops every value. */
  clear(): void {
    this.#modules.clear();
    this.#size = 0;
  }
}

const empty: ReadonlyMap<string, never> = new Map<string, never>();
