/** Where the hub writes one client's stream (an HTTP response, in production). */
export interface EventSink {
  /** Writes a chunk; false when the sink's buffer is above its high-water mark (Node's backpressure). */
  write(chunk: string): boolean;
  /** Bytes written but not yet handed to the OS. */
  readonly bufferedBytes: number;
  /** Ends the stream (the client reconnects and resyncs). */
  end(chunk?: string): void;
}

/** The timers the hub uses; injectable so tests drive time. */
export interface HubTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  /** For {@link EventHub.urgent}'s early flush. @default the global one */
  setTimeout?(callback: () => void, ms: number): unknown;
  clearTimeout?(handle: unknown): void;
}

/** Options of {@link EventHub}. */
export interface EventHubOptions<Row> {
  /**
   * Renders the current state of the changed keys, once per flush: a monitor that changed ten times
   * since the last flush is rendered, and sent, once.
   */
  render(keys: readonly string[]): Row[];
  /** How often pending changes are sent. @default 500 */
  intervalMs?: number;
  /**
   * How soon a change marked {@link EventHub.urgent} (a status change) is sent, instead of waiting for
   * the interval: long enough to gather the changes of one burst into one event. @default 25
   */
  urgentMs?: number;
  /** How often an idle stream gets a comment, so proxies and the client see it is alive. @default 15000 */
  heartbeatMs?: number;
  /**
   * Bytes a client may have waiting in its buffer. A client further behind is dropped with a
   * `resync` event: it reconnects and fetches the whole state again, which costs one request instead
   * of unbounded memory on the server. @default 1048576
   */
  maxBufferedBytes?: number;
  timers?: HubTimers;
  /** The clock stamped on each `changes` event, so a client can drop changes older than a fresh fetch. */
  now?: () => number;
}

/** One Server-Sent Events message. */
export function sseMessage(event: string, data: unknown): string {
  // JSON never contains a raw newline, so one `data:` line is enough.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Fans state changes out to Server-Sent Events clients. Changes are coalesced by key and sent at most
 * once per interval as one `changes` event (`{ at, rows }`) holding the rendered rows, so 10,000 monitors changing at
 * once cost one message per client per interval, not 10,000. Structural changes (a module pushed or
 * deleted) are sent as a `resync` hint: the client fetches the overview again.
 */
export class EventHub<Row> {
  readonly #options: Required<Omit<EventHubOptions<Row>, "render" | "timers" | "now">>;
  readonly #now: () => number;
  readonly #render: (keys: readonly string[]) => Row[];
  readonly #timers: HubTimers;
  readonly #clients = new Set<EventSink>();
  readonly #dirty = new Set<string>();
  #resync = false;
  #flushTimer: unknown;
  #soonTimer: unknown;
  #heartbeatTimer: unknown;
  #closed = false;
  /** Clients dropped because they fell behind, since the hub started. */
  dropped = 0;

  constructor(options: EventHubOptions<Row>) {
    this.#render = options.render;
    this.#now = options.now ?? Date.now;
    this.#options = {
      intervalMs: options.intervalMs ?? 500,
      urgentMs: options.urgentMs ?? 25,
      heartbeatMs: options.heartbeatMs ?? 15_000,
      maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    };
    this.#timers = options.timers ?? {
      setInterval: (callback, ms) => {
        const handle = setInterval(callback, ms);
        handle.unref();
        return handle;
      },
      clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
    };
  }

  /** How many clients are connected. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Adds a client; returns the function that removes it (call it when its connection closes). */
  connect(sink: EventSink): () => void {
    if (this.#closed) {
      sink.end();
      return () => {};
    }
    this.#clients.add(sink);
    // `retry` tells the client how long to wait before reconnecting; `hello` confirms the stream is open.
    sink.write(`retry: 2000\n${sseMessage("hello", { intervalMs: this.#options.intervalMs })}`);
    this.#start();
    return () => {
      this.#clients.delete(sink);
      if (this.#clients.size === 0) this.#stop();
    };
  }

  /** Marks a key as changed; it is rendered and sent at the next flush. */
  changed(key: string): void {
    if (this.#clients.size > 0) this.#dirty.add(key);
  }

  /**
   * Marks a key as changed and sends it within `urgentMs` rather than at the next interval: a
   * monitor turning critical reaches the page in tens of milliseconds, while the steady stream of
   * samples stays coalesced.
   */
  urgent(key: string): void {
    if (this.#clients.size === 0) return;
    this.#dirty.add(key);
    if (this.#soonTimer !== undefined) return;
    const send = () => {
      this.#soonTimer = undefined;
      this.flush();
    };
    this.#soonTimer = this.#timers.setTimeout
      ? this.#timers.setTimeout(send, this.#options.urgentMs)
      : setTimeout(send, this.#options.urgentMs).unref();
  }

  /** Tells every client to fetch the whole state again at the next flush. */
  resync(): void {
    if (this.#clients.size > 0) this.#resync = true;
  }

  /** Sends what changed since the last flush; called by the interval timer. */
  flush(): void {
    if (this.#clients.size === 0) {
      this.#dirty.clear();
      this.#resync = false;
      return;
    }
    let chunk = "";
    if (this.#resync) chunk += sseMessage("resync", {});
    if (this.#dirty.size > 0) {
      const rows = this.#render([...this.#dirty]);
      if (rows.length > 0) chunk += sseMessage("changes", { at: this.#now(), rows });
    }
    this.#dirty.clear();
    this.#resync = false;
    if (chunk !== "") this.#broadcast(chunk);
  }

  /** Ends every stream and stops the timers. */
  close(): void {
    this.#closed = true;
    for (const client of this.#clients) client.end();
    this.#clients.clear();
    this.#stop();
  }

  #broadcast(chunk: string): void {
    for (const client of this.#clients) {
      if (client.bufferedBytes + chunk.length > this.#options.maxBufferedBytes) {
        this.#clients.delete(client);
        this.dropped++;
        client.end(sseMessage("resync", { reason: "too far behind" }));
        continue;
      }
      client.write(chunk);
    }
    if (this.#clients.size === 0) this.#stop();
  }

  #start(): void {
    if (this.#flushTimer !== undefined) return;
    this.#flushTimer = this.#timers.setInterval(() => this.flush(), this.#options.intervalMs);
    this.#heartbeatTimer = this.#timers.setInterval(
      () => this.#broadcast(": heartbeat\n\n"),
      this.#options.heartbeatMs,
    );
  }

  #stop(): void {
    if (this.#flushTimer === undefined) return;
    this.#timers.clearInterval(this.#flushTimer);
    this.#timers.clearInterval(this.#heartbeatTimer);
    this.#flushTimer = undefined;
    this.#heartbeatTimer = undefined;
    if (this.#soonTimer !== undefined) {
      if (this.#timers.clearTimeout) this.#timers.clearTimeout(this.#soonTimer);
      else clearTimeout(this.#soonTimer as NodeJS.Timeout);
      this.#soonTimer = undefined;
    }
    this.#dirty.clear();
  }
}
